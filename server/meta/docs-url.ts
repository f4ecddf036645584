// Where a rule's documentation lives. SARIF `helpUri`, the LSP `codeDescription.href` and hovers
// all link here, so the base is kept in one place.
export const DOCS_BASE = 'https://github.com/awaitlens/awaitlens/blob/main';

/** The published page of rule `id` (its generated README in the repository). */
export function ruleDocsUrl(id: string): string {
  return `${DOCS_BASE}/rules/${id}/README.md`;
}

/** The repository-relative path of the same page, for links between generated docs. */
export function ruleDocsPath(id: string): string {
  return `rules/${id}/README.md`;
}
