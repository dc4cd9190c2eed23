/**
 * The editors' content as the instances share it (issue #17): each version that went live on
 * one instance — the texts of content/ and intents/, and a hash of them — is a row here, and
 * the other instances poll for a newer one (src/knowledge/sync.ts). Only a few recent
 * versions are kept: the editors' folders, not this table, are the record of the content.
 */
import type { Engine } from './engine';
import { withSharedLock } from './engine';

/** One file of a version, named relative to its folder (CONTENT_DIR or INTENTS_DIR). */
export interface ContentFile {
  dir: 'content' | 'intents';
  /** e.g. "greeting.md", "procedures/khai-sinh.md", always with forward slashes. */
  path: string;
  text: string;
}

/** A version's row without its files (what the instances poll). */
export interface ContentVersion {
  id: number;
  hash: string;
  publishedAt: number;
  publishedBy: string;
}

/** Versions kept: a slow instance still finds the newest, and the table stays small. */
const KEPT_VERSIONS = 10;

export class ContentVersions {
  constructor(
    private readonly engine: Engine,
    private readonly now: () => number = Date.now,
  ) {}

  /** The newest version, or undefined when no instance published one yet. */
  async latest(): Promise<ContentVersion | undefined> {
    const row = await this.engine.db
      .selectFrom('content_versions')
      .select(['id', 'hash', 'published_at', 'published_by'])
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return (
      row && { id: row.id, hash: row.hash, publishedAt: row.published_at, publishedBy: row.published_by }
    );
  }

  /** The files of version `id` (undefined once pruned: a newer one is there). */
  async files(id: number): Promise<ContentFile[] | undefined> {
    const row = await this.engine.db
      .selectFrom('content_versions')
      .select('files')
      .where('id', '=', id)
      .executeTakeFirst();
    return row && (JSON.parse(row.files) as ContentFile[]);
  }

  /**
   * Stores a new version unless the newest already has this hash (instances sharing one
   * folder, or one that just applied it, publish nothing twice). Returns the newest version.
   */
  async publish(hash: string, files: readonly ContentFile[], by: string): Promise<ContentVersion> {
    return withSharedLock(this.engine, 'content-versions', async (trx) => {
      const newest = await trx
        .selectFrom('content_versions')
        .select(['id', 'hash', 'published_at', 'published_by'])
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (newest?.hash === hash)
        return { id: newest.id, hash, publishedAt: newest.published_at, publishedBy: newest.published_by };
      const publishedAt = this.now();
      const { id } = await trx
        .insertInto('content_versions')
        .values({ hash, files: JSON.stringify(files), published_at: publishedAt, published_by: by })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .deleteFrom('content_versions')
        .where('id', '<=', id - KEPT_VERSIONS)
        .execute();
      return { id, hash, publishedAt, publishedBy: by };
    });
  }
}
