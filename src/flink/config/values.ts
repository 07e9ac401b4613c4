/**
 * Flink's string forms of structured option values, as written in flat configurations: lists
 * separated by `;`, maps as `k1:v1,k2:v2`, items quoted with `'` or `"` when they contain a
 * separator (a doubled quote inside quotes stands for one).
 */

/** Splits `text` at `separator` outside quotes, removing the quotes. */
export function splitEscaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) {
        if (text[i + 1] === quote) {
          current += ch;
          i++;
        } else {
          quote = undefined;
        }
      } else {
        current += ch;
      }
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === separator) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function escape(item: string, separators: string): string {
  const needsQuotes = [...separators, "'", '"'].some((s) => item.includes(s));
  return needsQuotes ? `'${item.replaceAll("'", "''")}'` : item;
}

/** A list option value: a YAML flow sequence (`[a, b]`) or Flink's `a;b` form. */
export function parseList(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[') && trimmed.endsWith(']')) {
    return splitEscaped(trimmed.slice(1, -1), ',').map((s) => s.trim());
  }
  return splitEscaped(text, ';');
}

export function formatList(items: readonly string[]): string {
  return items.map((item) => escape(item, ';')).join(';');
}

/** A map option value `k1:v1,k2:v2` (a YAML flow map `{k1: v1}` is read too). */
export function parseMap(text: string | undefined): Record<string, string> {
  if (text === undefined) return {};
  let body = text.trim();
  const flow = body.startsWith('{') && body.endsWith('}');
  if (flow) body = body.slice(1, -1);
  const map: Record<string, string> = {};
  for (const entry of splitEscaped(body, ',')) {
    if (entry.trim() === '') continue;
    const [key = '', ...rest] = splitEscaped(entry, ':');
    map[key.trim()] = rest.join(':').trim();
  }
  return map;
}

export function formatMap(map: Readonly<Record<string, string>>): string {
  return Object.entries(map)
    .map(([k, v]) => `${escape(k, ',:')}:${escape(v, ',:')}`)
    .join(',');
}

/** A list of maps (`k:v,k:v;k:v`), as for owner references, tolerations and secret env refs. */
export function parseMapList(text: string | undefined): Record<string, string>[] {
  if (text === undefined || text.trim() === '') return [];
  return splitEscaped(text, ';').map((item) => parseMap(item));
}

export function formatMapList(maps: ReadonlyArray<Readonly<Record<string, string>>>): string {
  return maps.map((m) => escape(formatMap(m), ';')).join(';');
}
