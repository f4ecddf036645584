// Open documents: the client's text, kept as SourceDocuments so each change also reaches the
// tree (`tree.edit`) and the next parse is incremental. Change ranges arrive in the negotiated
// encoding and are turned into UTF-16 one change at a time, because each change's range refers
// to the text left by the previous one.
import type { Range } from 'vscode-languageserver/node.js';
import { SourceDocument } from '../analysis/document.js';
import type { PositionCodec } from './positions.js';
import { uriToPath } from './uri.js';

export interface OpenDocument {
  uri: string;
  path: string;
  doc: SourceDocument;
}

export interface ContentChange {
  range?: Range;
  text: string;
}

export class OpenDocuments {
  private readonly byUri = new Map<string, OpenDocument>();
  private readonly byPath = new Map<string, OpenDocument>();

  open(uri: string, text: string, version: number): OpenDocument {
    const path = uriToPath(uri);
    const od: OpenDocument = { uri, path, doc: new SourceDocument(text, version) };
    this.byUri.set(uri, od);
    this.byPath.set(path, od);
    return od;
  }

  close(uri: string): OpenDocument | undefined {
    const od = this.byUri.get(uri);
    if (!od) return undefined;
    this.byUri.delete(uri);
    if (this.byPath.get(od.path) === od) this.byPath.delete(od.path);
    return od;
  }

  get(uri: string): OpenDocument | undefined {
    return this.byUri.get(uri);
  }

  byFilePath(path: string): OpenDocument | undefined {
    return this.byPath.get(path);
  }

  all(): OpenDocument[] {
    return [...this.byUri.values()];
  }

  /** Apply the client's changes in order; returns false (and changes nothing) for an unknown document. */
  change(uri: string, changes: readonly ContentChange[], version: number, codec: PositionCodec): boolean {
    const od = this.byUri.get(uri);
    if (!od) return false;
    for (const ch of changes) {
      if (typeof ch?.text !== 'string') continue;
      if (!ch.range) {
        od.doc.applyChanges([{ text: ch.text }], version);
        continue;
      }
      od.doc.applyChanges([{ range: codec.toUtf16Range(od.doc.lines, ch.range), text: ch.text }], version);
    }
    od.doc.version = version;
    return true;
  }
}
