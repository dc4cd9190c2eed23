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
  message: string;
  severity: 'error' | 'warning';
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
    else if (key.startsWith('agencies.'))
      problems.push({
        key,
        severity: 'error',
        message: 'expected agencies.<id>.kind, .at, .name or .address',
      });
  }
  const agencies: Agency[] = [];
  const owner = new Map<string, string>();
  for (const id of [...ids].sort()) {
    const get = (field: string) => locality.get(`agencies.${id}.${field}`)?.value.trim();
    for (const key of locality.keys()) {
      const field = key.split('.')[2];
      if (key.startsWith(`agencies.${id}.`) && !['kind', 'at', 'name', 'address', 'hours'].includes(field))
        problems.push({
          key,
          severity: 'error',
          message: `unknown field "${field}": use kind, at, name, address or hours`,
        });
    }
    const kindText = get('kind');
    if (!kindText) {
      problems.push({
        key: `agencies.${id}`,
        severity: 'error',
        message: 'expected kind: how the national records name this agency, e.g. "Ủy ban nhân dân cấp xã"',
      });
      continue;
    }
    const kinds = kindText.split(';').map(fold).filter(Boolean);
    for (const kind of kinds) {
      const other = owner.get(kind);
      if (other)
        problems.push({
          key: `agencies.${id}.kind`,
          severity: 'error',
          message: `"${kind}" is also a kind of agencies.${other}; each kind belongs to one agency`,
        });
      owner.set(kind, id);
    }
    const at = get('at');
    let name = get('name');
    let address = get('address');
    let hours = get('hours');
    if (at) {
      const groupName = locality.get(`${at}.name`)?.value;
      if (!groupName)
        problems.push({
          key: `agencies.${id}.at`,
          severity: 'error',
          message: `no "${at}.name" in the locality file; write the name of a group such as office or police`,
        });
      name ??= groupName;
      address ??= locality.get(`${at}.address`)?.value;
      hours ??= locality.get(`${at}.hours`)?.value;
    }
    if (!name) {
      if (!at)
        problems.push({
          key: `agencies.${id}`,
          severity: 'error',
          message: 'expected at (a locality group such as office) or name (the agency as citizens find it)',
        });
      continue;
    }
    agencies.push({ id, kinds, name, address, hours });
  }
  for (const kind of EXPECTED_KINDS)
    if (!owner.has(kind))
      problems.push({
        key: 'agencies',
        severity: 'warning',
        message: `no agency of kind "${kind}": answers naming it cannot say where it is for this commune`,
      });
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
