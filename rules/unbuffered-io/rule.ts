import type { SyntaxNode } from '../../grammars/rust.js';
import { enclosingLoop, unwrapExpr } from '../../server/analysis/context.js';
import { lastSegment } from '../../server/analysis/knowledge.js';
import { macroName } from '../../server/analysis/macros.js';
import { NodeMap } from '../../server/analysis/node-map.js';
import { defineRule, type RuleContext } from '../../server/analysis/rule.js';
import { unbufferedStream, type StreamType } from '../../server/analysis/streams.js';
import { someWithin, wordOffsets } from '../../server/analysis/mentions.js';

const SMALL_BUFFER = 64;
const RUN_LENGTH = 3;
const MAX_RELATED = 8;
const INT_OP = /^(read|write)_[uif](8|16|32|64|128)(_le)?$/;
// A Map: a plain object would also answer for `constructor`, `valueOf` and the other members of its prototype.
const BUFFER_OPS = new Map<string, 'read' | 'write'>([['read', 'read'], ['read_exact', 'read'], ['write', 'write'], ['write_all', 'write']]);
const SPLITS = new Set(['split', 'into_split']);
const PASS_THROUGH = new Set(['unwrap', 'expect']);

interface IoCall {
  node: SyntaxNode;
  dir: 'read' | 'write';
  /** A few bytes per call: an integer, a small fixed buffer, or a `write!` on a std stream. */
  small: boolean;
  /** The stream expression as written (`self.stream`). */
  stream: string;
  type: StreamType;
  /** What to show: `stream.read_u8()` or `write!(file, ..)`. */
  label: string;
}

export default defineRule({
  meta: {
    id: 'unbuffered-io',
    kind: 'static',
    category: 'performance',
    defaultSeverity: 'warning',
    fixable: false,
    summary: 'Many small reads or writes on an unbuffered socket or file: each one is a system call.',
    docs: {
      whatItFinds:
        'Reads and writes of a few bytes at a time on a stream that goes straight to the OS — `TcpStream`, `UnixStream`, their split halves and `File`, tokio or std: `read_u8`/`write_u32`-style calls, `read`/`read_exact`/`write`/`write_all` with a small fixed buffer (`[0u8; N]` with N ≤ 64, `&[b]`, a short byte string) and `write!`/`writeln!` on a std stream, inside a loop; or three or more `write`/`write_all` calls in a row on the same stream in one block. The receiver\'s type must be known: a stream already wrapped in `BufReader`, `BufWriter`, `BufStream` or a codec `Framed` has that wrapper\'s type and is not reported. One finding per loop or per run of writes, on its first call, with the others as related locations.',
      whyBad:
        'An unbuffered stream has no memory of its own: every call is at least one system call (for `tokio::fs::File`, a trip to the blocking thread pool), and on a socket each small write can become its own TCP packet. Reading a message one byte at a time costs one syscall per byte, so the syscalls, not the work, dominate the runtime: throughput drops by one or two orders of magnitude and CPU time goes to the kernel. Several writes in a row also let the peer see a message in pieces and add latency through Nagle\'s algorithm.',
      example:
        'async fn read_line(stream: &mut TcpStream) -> io::Result<Vec<u8>> {\n    let mut line = Vec::new();\n    loop {\n        let b = stream.read_u8().await?; // one syscall per byte\n        if b == b\'\\n\' { return Ok(line); }\n        line.push(b);\n    }\n}',
      useInstead:
        'async fn read_line(stream: &mut BufReader<TcpStream>) -> io::Result<Vec<u8>> {\n    let mut line = Vec::new();\n    stream.read_until(b\'\\n\', &mut line).await?; // refills 8 KiB at a time\n    Ok(line)\n}\n\n// Writers: wrap once, then flush when the message is complete.\nlet mut out = BufWriter::new(stream);\nout.write_all(header).await?;\nout.write_all(body).await?;\nout.flush().await?;',
      notes:
        'Wrap the stream once where it is created: `BufReader::new(stream)` for reading, `BufWriter::new(stream)` for writing (remember to `flush()` — data left in a dropped `BufWriter` is lost, for tokio silently), `tokio::io::BufStream` for both, or a `tokio_util::codec::Framed`. For a few fixed pieces, `write_vectored` or building the message in a `Vec<u8>` and writing it once also works. Streams whose type awaitlens cannot see (generic `S: AsyncWrite`, trait objects, `tokio::io::split` halves) are not reported, nor are loops that move large buffers.',
    },
  },
  nodeTypes: ['call_expression', 'macro_invocation', 'block', 'let_declaration', 'expression_statement'],
  check(ctx) {
    const calls = collect(ctx);
    const byNode = new NodeMap<IoCall>();
    for (const c of calls) byNode.set(c.node, c);
    // Small calls in loops: one finding per innermost loop.
    const loops = new Map<string, IoCall[]>();
    for (const c of calls) {
      if (!c.small) continue;
      const loop = enclosingLoop(ctx.syntax, c.node);
      if (!loop) continue;
      const k = ctx.syntax.key(loop);
      const list = loops.get(k) ?? [];
      list.push(c);
      loops.set(k, list);
    }
    const covered = new NodeMap<true>();
    for (const list of loops.values()) {
      const first = list[0]!;
      for (const c of list) covered.set(c.node, true);
      const what = first.dir === 'read' ? 'reads' : 'writes';
      const line = ctx.syntax.span(first.node).start.line + 1;
      ctx.report({
        node: first.node,
        message: `\`${first.label}\` ${what} a few bytes per system call on every pass of this loop over the unbuffered \`${lastSegment(first.type.path)}\` \`${first.stream}\`, so the syscalls dominate the runtime; ${wrapHint(first)}.`,
        related: list.slice(1, 1 + MAX_RELATED).map((c) => ({ node: c.node, message: `another unbuffered ${c.dir} in the loop of line ${line}: \`${c.label}\`` })),
      });
    }
    // Runs of writes: three or more statements in a row writing the same stream. A block holding
    // fewer write calls than that cannot have a run, and reading every statement of every block
    // costs more than the rest of the rule.
    const writes = calls.filter((c) => c.dir === 'write').map((c) => ctx.syntax.start(c.node));
    const writesIn = (block: SyntaxNode) => {
      const s = ctx.syntax.start(block);
      const e = ctx.syntax.end(block);
      let n = 0;
      for (const w of writes) if (w >= s && w < e) n++;
      return n;
    };
    for (const block of writes.length < RUN_LENGTH ? [] : ctx.syntax.nodes('block')) {
      if (writesIn(block) < RUN_LENGTH) continue;
      let run: IoCall[] = [];
      const flush = () => {
        if (run.length >= RUN_LENGTH && !run.every((c) => covered.has(c.node))) {
          const first = run[0]!;
          ctx.report({
            node: first.node,
            message: `\`${first.label}\` starts ${run.length} writes in a row on the unbuffered \`${lastSegment(first.type.path)}\` \`${first.stream}\`, each a separate system call (and on a socket often a separate packet); ${wrapHint(first)}.`,
            related: run.slice(1, 1 + MAX_RELATED).map((c) => ({ node: c.node, message: `another write to \`${c.stream}\`: \`${c.label}\`` })),
          });
        }
        run = [];
      };
      for (const stmt of block.namedChildren) {
        if (stmt.type === 'line_comment' || stmt.type === 'block_comment') continue;
        const w = statementWrite(ctx, stmt, byNode);
        if (w && (run.length === 0 || run[0]!.stream === w.stream)) {
          run.push(w);
          continue;
        }
        if (w) {
          flush();
          run.push(w);
          continue;
        }
        // Statements that do not touch the stream keep the run going (formatting the next piece).
        if (run.length > 0 && mentions(ctx.syntax.textOf(stmt), run[0]!.stream)) flush();
      }
      flush();
    }
  },
});

function wrapHint(c: IoCall): string {
  const ns = c.type.buffer === 'tokio' ? 'tokio::io' : 'std::io';
  return c.dir === 'read'
    ? `wrap it in \`${ns}::BufReader::new(..)\``
    : `wrap it in \`${ns}::BufWriter::new(..)\` and flush once the message is complete`;
}

function mentions(text: string, stream: string): boolean {
  const root = stream.split('.').pop()!;
  return new RegExp(`\\b${root.replace(/[^\w]/g, '')}\\b`).test(text);
}

/** The write call a statement consists of (`s.write_all(b).await?;`, `let _ = s.write(b);`), if any. */
function statementWrite(ctx: RuleContext, stmt: SyntaxNode, byNode: NodeMap<IoCall>): IoCall | undefined {
  let e: SyntaxNode | null | undefined;
  if (stmt.type === 'expression_statement') e = stmt.namedChildren[0];
  else if (stmt.type === 'let_declaration') e = stmt.childForFieldName('value');
  else e = stmt;
  while (e) {
    const hit = byNode.get(e);
    if (hit) return hit.dir === 'write' ? hit : undefined;
    if (e.type === 'await_expression' || e.type === 'try_expression' || e.type === 'parenthesized_expression') {
      e = e.namedChildren[0];
      continue;
    }
    if (e.type === 'call_expression') {
      const m = ctx.resolver.methodCall(e);
      if (m && PASS_THROUGH.has(m.name)) {
        e = m.receiver;
        continue;
      }
    }
    return undefined;
  }
  return undefined;
}

/** Text every method name `collect` looks at contains. */
const IO_NAMES = /read|write/g;

function collect(ctx: RuleContext): IoCall[] {
  const out: IoCall[] = [];
  const { syntax } = ctx;
  // A method's name is part of its call's text: calls without one of the names need no native reads.
  const names = wordOffsets(ctx.syntax, IO_NAMES);
  if (names.length === 0) return out;
  for (const call of syntax.nodes('call_expression')) {
    if (!someWithin(names, syntax.start(call), syntax.end(call))) continue;
    const m = ctx.resolver.methodCall(call);
    if (!m) continue;
    const int = INT_OP.exec(m.name);
    const bufferOp = BUFFER_OPS.get(m.name);
    if (!int && !bufferOp) continue;
    const type = streamTypeOf(ctx, m.receiver);
    if (!type) continue;
    const arg = int ? undefined : call.childForFieldName('arguments')?.namedChildren[0];
    const small = !!int || (!!arg && smallBuffer(ctx, arg));
    const stream = m.receiver.text.replace(/\s+/g, '');
    out.push({ node: call, dir: int ? (int[1] as 'read' | 'write') : bufferOp!, small, stream, type, label: `${stream}.${m.name}(..)`.replace('(..)', int ? '()' : '(..)') });
  }
  // `write!(file, ..)` on a std stream writes each formatted piece separately.
  for (const mac of syntax.nodes('macro_invocation')) {
    if (!someWithin(names, syntax.start(mac), syntax.end(mac))) continue;
    const name = macroName(mac);
    if (name !== 'write' && name !== 'writeln') continue;
    const first = ctx.syntax.expansion(mac)?.pieces[0]?.root.namedChildren[0];
    if (!first) continue;
    const target = unwrapExpr(first);
    const type = streamTypeOf(ctx, target);
    if (!type || type.buffer !== 'std') continue;
    const stream = target.text.replace(/\s+/g, '');
    out.push({ node: mac, dir: 'write', small: true, stream, type, label: `${name}!(${stream}, ..)` });
  }
  return out.sort((a, b) => ctx.syntax.start(a.node) - ctx.syntax.start(b.node));
}



function streamTypeOf(ctx: RuleContext, recv: SyntaxNode): StreamType | undefined {
  const t = ctx.resolver.typeOf(recv);
  if (t) return unbufferedStream(t);
  // Halves from `let (r, w) = stream.into_split();` are as unbuffered as the stream.
  if (recv.type !== 'identifier') return undefined;
  const b = ctx.resolver.binding(recv);
  if (b?.decl.type !== 'let_declaration' || b.decl.childForFieldName('pattern')?.type !== 'tuple_pattern') return undefined;
  let v = b.decl.childForFieldName('value');
  while (v && (v.type === 'try_expression' || v.type === 'await_expression')) v = v.namedChildren[0] ?? null;
  if (v?.type !== 'call_expression') return undefined;
  const m = ctx.resolver.methodCall(v);
  if (!m || !SPLITS.has(m.name)) return undefined;
  const whole = ctx.resolver.typeOf(m.receiver);
  return whole && (whole.endsWith('::TcpStream') || whole.endsWith('::UnixStream')) ? unbufferedStream(whole) : undefined;
}

/** `&[b]`, `&mut [0u8; 4]`, `b"\r\n"`, or a local `[0u8; N]` buffer (whole or sliced) with N ≤ 64. */
function smallBuffer(ctx: RuleContext, arg: SyntaxNode): boolean {
  let e = unwrapExpr(arg);
  if (e.type === 'index_expression') e = e.namedChildren[0] ?? e;
  if (e.type === 'array_expression') return arrayLen(e) !== undefined && arrayLen(e)! <= SMALL_BUFFER;
  if (e.type === 'string_literal') return e.text.startsWith('b"') && e.text.length - 3 <= SMALL_BUFFER;
  if (e.type === 'call_expression' && /(^|::)from_ref$/.test(e.childForFieldName('function')?.text ?? '')) return true;
  if (e.type !== 'identifier') return false;
  const b = ctx.resolver.binding(e);
  if (b?.decl.type !== 'let_declaration') return false;
  const ty = b.decl.childForFieldName('type');
  if (ty?.type === 'array_type') {
    const n = ty.childForFieldName('length');
    return n?.type === 'integer_literal' && parseInt(n.text, 10) <= SMALL_BUFFER;
  }
  const v = b.decl.childForFieldName('value');
  return v?.type === 'array_expression' && arrayLen(v) !== undefined && arrayLen(v)! <= SMALL_BUFFER;
}

function arrayLen(arr: SyntaxNode): number | undefined {
  const len = arr.childForFieldName('length');
  if (len) return len.type === 'integer_literal' ? parseInt(len.text.replace(/_/g, ''), 10) : undefined;
  return arr.namedChildren.length;
}
