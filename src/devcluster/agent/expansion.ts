import type { V1Container } from '@kubernetes/client-node';

/**
 * Expands `$(VAR)` references the way the kubelet does for env values, command and args:
 * `$(NAME)` becomes the variable's value when it is defined and stays as written otherwise,
 * `$$` is an escaped `$` (so `$$(NAME)` yields a literal `$(NAME)`), and any other `$` — also
 * an unterminated `$(` — is kept literally. A name is everything up to the next `)`.
 */
export function expandReferences(input: string, vars: Readonly<Record<string, string>>): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const dollar = input.indexOf('$', i);
    if (dollar < 0 || dollar === input.length - 1) break;
    out += input.slice(i, dollar);
    const next = input[dollar + 1];
    if (next === '$') {
      out += '$';
      i = dollar + 2;
    } else if (next === '(') {
      const close = input.indexOf(')', dollar + 2);
      if (close < 0) {
        // Not a reference: keep "$(" and go on scanning right after it.
        out += '$(';
        i = dollar + 2;
      } else {
        const name = input.slice(dollar + 2, close);
        out += Object.hasOwn(vars, name) ? vars[name] : `$(${name})`;
        i = close + 1;
      }
    } else {
      out += `$${next}`;
      i = dollar + 2;
    }
  }
  return out + input.slice(i);
}

/** The container with `$(VAR)` references in its command and args expanded against its environment. */
export function expandCommandAndArgs(
  container: V1Container,
  env: Readonly<Record<string, string>>,
): V1Container {
  const expanded: V1Container = { ...container };
  if (container.command) expanded.command = container.command.map((c) => expandReferences(c, env));
  if (container.args) expanded.args = container.args.map((a) => expandReferences(a, env));
  return expanded;
}
