// Answers kept per syntax node. A node's id is unique within its tree, so a map per tree keyed by
// the numeric id does what a map keyed by a "tree:id" string did, without building a string on
// every lookup (the resolver and the parent cache are asked millions of times on a workspace).
import type { SyntaxNode, Tree } from '../../grammars/rust.js';

export class NodeMap<V> {
  /** The first tree seen (a file's main tree, in practice): most lookups hit it. */
  private first: Tree | undefined;
  private readonly firstMap = new Map<number, V>();
  private others: Map<Tree, Map<number, V>> | undefined;

  private mapOf(tree: Tree, create: boolean): Map<number, V> | undefined {
    if (tree === this.first) return this.firstMap;
    if (this.first === undefined) {
      if (!create) return undefined;
      this.first = tree;
      return this.firstMap;
    }
    let m = this.others?.get(tree);
    if (!m && create) (this.others ??= new Map()).set(tree, (m = new Map()));
    return m;
  }

  get(node: SyntaxNode): V | undefined {
    return this.mapOf(node.tree, false)?.get(node.id);
  }

  has(node: SyntaxNode): boolean {
    return this.mapOf(node.tree, false)?.has(node.id) ?? false;
  }

  set(node: SyntaxNode, value: V): void {
    this.mapOf(node.tree, true)!.set(node.id, value);
  }
}
