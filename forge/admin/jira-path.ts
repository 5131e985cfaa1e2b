// Paths for Jira REST reads, built like @forge/api's `route` builds them: a dynamic path segment may
// not carry a slash, a `..`, a `?` or a `#`, and query values are URL-encoded, so nothing the admin
// page sends can turn a picker's read into another request.
const SEGMENT = /^[A-Za-z0-9_.:-]{1,100}$/;

export function jiraPath(strings: TemplateStringsArray, ...segments: Array<string | number>): string {
  return strings.reduce((path, part, i) => {
    if (i >= segments.length) return path + part;
    const segment = String(segments[i]);
    if (!SEGMENT.test(segment) || segment.includes('..')) throw new Error('A Jira path segment is malformed');
    return path + part + encodeURIComponent(segment);
  }, '');
}

/** `?a=1&id=2&id=3`: repeated names for lists, as Jira's REST API takes them. */
export function jiraQuery(params: Record<string, string | number | Array<string | number> | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === '') continue;
    for (const v of Array.isArray(value) ? value : [value]) query.append(name, String(v));
  }
  const text = query.toString();
  return text ? `?${text}` : '';
}
