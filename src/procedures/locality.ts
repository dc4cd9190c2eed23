/**
 * Where the agencies the national records name ("Ủy ban nhân dân cấp xã", "Công an cấp xã")
 * are for this commune: the `agencies` part of content/locality.yaml.
 *
 *   agencies:
 *     commune:
 *       kind: "Ủy ban nhân dân cấp xã; UBND cấp xã"   # how the records name it (";" between names)
 *       at: office                                     # the locality group with its name, address, hours
 *     provincial_police:
 *       kind: "Công an cấp tỉnh"
 *       name: "Công an tỉnh Đồng Nai"                   # or the name (and address) right here
 */
import { renderMessage, type MessageId, type MessageParams, type MessageRef } from '../core/content-messages';
import { foldWords } from './text';

/** The locality file flattened ("office.address" → value), as the knowledge loader gives it. */
export type LocalityValues = ReadonlyMap<string, { value: string; needsReview: boolean }>;

export interface Agency {
  id: string;
  /** Folded names of this kind of agency as the records write them. */
  kinds: string[];
  name: string;
  address?: string;
  hours?: string;
}

export interface LocalityProblem {
  /** The locality key the problem is about, e.g. "agencies.commune.at". */
  key: string;
  /** English; `detail` names it in src/core/content-messages.ts for content:check in Vietnamese. */
  message: string;
  detail: MessageRef;
  severity: 'error' | 'warning';
}

function problem<K extends MessageId>(
  key: string,
  severity: LocalityProblem['severity'],
  id: K,
  params?: MessageParams<K>,
): LocalityProblem {
  const detail: MessageRef = { id, params: (params ?? {}) as Record<string, unknown> };
  return { key, severity, message: renderMessage(detail, 'en')!, detail };
}

/** Agency kinds every commune deployment should place: the ones most commune procedures name. */
const EXPECTED_KINDS = ['uy ban nhan dan cap xa', 'cong an cap xa'];

const fold = (text: string) => foldWords(text).join(' ');

export function readAgencies(locality: LocalityValues): { agencies: Agency[]; problems: LocalityProblem[] } {
  const problems: LocalityProblem[] = [];
  const ids = new Set<string>();
  for (const key of locality.keys()) {
    const m = /^agencies\.([a-z0-9_]+)\.([a-z0-9_]+)$/.exec(key);
    if (m) ids.add(m[1]);
    else if (key.startsWith('agencies.')) problems.push(problem(key, 'error', 'agency.badKey'));
  }
  const agencies: Agency[] = [];
  const owner = new Map<string, string>();
  for (const id of [...ids].sort()) {
    const get = (field: string) => locality.get(`agencies.${id}.${field}`)?.value.trim();
    for (const key of locality.keys()) {
      const field = key.split('.')[2];
      if (key.startsWith(`agencies.${id}.`) && !['kind', 'at', 'name', 'address', 'hours'].includes(field))
        problems.push(problem(key, 'error', 'agency.unknownField', { field }));
    }
    const kindText = get('kind');
    if (!kindText) {
      problems.push(problem(`agencies.${id}`, 'error', 'agency.kindMissing'));
      continue;
    }
    const kinds = kindText.split(';').map(fold).filter(Boolean);
    for (const kind of kinds) {
      const other = owner.get(kind);
      if (other) problems.push(problem(`agencies.${id}.kind`, 'error', 'agency.kindShared', { kind, other }));
      owner.set(kind, id);
    }
    const at = get('at');
    let name = get('name');
    let address = get('address');
    let hours = get('hours');
    if (at) {
      const groupName = locality.get(`${at}.name`)?.value;
      if (!groupName) problems.push(problem(`agencies.${id}.at`, 'error', 'agency.groupWithoutName', { at }));
      name ??= groupName;
      address ??= locality.get(`${at}.address`)?.value;
      hours ??= locality.get(`${at}.hours`)?.value;
    }
    if (!name) {
      if (!at) problems.push(problem(`agencies.${id}`, 'error', 'agency.whereMissing'));
      continue;
    }
    agencies.push({ id, kinds, name, address, hours });
  }
  for (const kind of EXPECTED_KINDS)
    if (!owner.has(kind)) problems.push(problem('agencies', 'warning', 'agency.kindNotFound', { kind }));
  return { agencies, problems };
}

/** The agencies an official text names, most specific (longest kind) first, each once. */
export function agenciesNamedIn(text: string, agencies: readonly Agency[]): Agency[] {
  const folded = ` ${fold(text.replace(/\bUBND\b/gi, 'Ủy ban nhân dân'))} `;
  const matches: { agency: Agency; at: number; length: number }[] = [];
  for (const agency of agencies)
    for (const kind of agency.kinds) {
      const at = folded.indexOf(` ${kind} `);
      if (at >= 0) matches.push({ agency, at, length: kind.length });
    }
  matches.sort((a, b) => a.at - b.at || b.length - a.length);
  const out: Agency[] = [];
  for (const m of matches) if (!out.includes(m.agency)) out.push(m.agency);
  return out;
}
