// Documents are keyed by file path inside the analysis (findings name files by path) and by URI
// on the wire. Non-file URIs (untitled:, vscode-notebook-cell:) have no path; their URI string
// stands in for it, so they can still be analysed while open.
import { fileURLToPath, pathToFileURL } from 'node:url';

export function uriToPath(uri: string): string {
  if (!uri.startsWith('file:')) return uri;
  try {
    return fileURLToPath(uri);
  } catch {
    return uri;
  }
}

export function pathToUri(path: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path) && !/^[a-z]:[\\/]/i.test(path)) return path;
  return pathToFileURL(path).href;
}

export function isFileUri(uri: string): boolean {
  return uri.startsWith('file:');
}
