import type { SyntaxNode } from '../../grammars/rust.js';
import { argsText, asyncBodyOf, enclosingBody } from '../../server/analysis/context.js';
import type { BlockingApi } from '../../server/analysis/knowledge.js';
import { NodeMap } from '../../server/analysis/node-map.js';
import { defineRule, type RuleContext } from '../../server/analysis/rule.js';
import type { FileSyntax } from '../../server/analysis/syntax.js';

/** `std::process::Command` builder methods hand back the command, so `.output()` at the end of a chain is still on a Command. */
const COMMAND_BUILDERS = new Set(['arg', 'args', 'env', 'envs', 'env_remove', 'env_clear', 'current_dir', 'stdin', 'stdout', 'stderr']);
const COMMAND = 'std::process::Command';
/** Steps from a call result to the value inside (`File::open(p)?`, `.unwrap()`). */
const PASS_THROUGH = new Set(['unwrap', 'expect']);

export default defineRule({
  meta: {
    id: 'blocking-in-async',
    kind: 'static',
    category: 'correctness',
    defaultSeverity: 'warning',
    fixable: true,
    summary: 'A blocking call runs directly inside async code and stalls the runtime worker thread.',
    docs: {
      whatItFinds:
        'A call known to block the calling thread — `std::thread::sleep`, `std::fs` functions, `std::net` connects, accepts and reads, reads from `std::io::stdin()`, a blocking `recv` on a `std::sync::mpsc` channel, `Condvar::wait`, `std::process::Command::output`/`status`, `futures::executor::block_on`, `Runtime::block_on`, `Handle::block_on`, `reqwest::blocking`, and the `blocking_*` methods of tokio\'s channels and mutex — made directly in the body of an `async fn`, `async` block or `async` closure. Calls inside a sync closure (such as the one given to `spawn_blocking`, `block_in_place` or `std::thread::spawn`) or a nested sync fn are not reported. Paths are resolved through `use`, so `fs::read_to_string` is reported with `use std::fs` and not with `use tokio::fs`.',
      whyBad:
        'A tokio worker thread runs many tasks by switching between them at each `.await`. A blocking call never reaches an `.await`: it holds the worker for as long as the sleep, disk, network, child process or other thread takes, and every task queued on that worker — timers, I/O readiness, other connections — waits with it. With a few such calls at once the runtime stops making progress; on a current-thread runtime one is enough. `block_on` inside a runtime is worse: tokio panics with "Cannot start a runtime from within a runtime", and `futures::executor::block_on` can deadlock waiting for a future that needs the blocked worker.',
      example:
        'async fn poll_status(path: &str) -> std::io::Result<String> {\n    std::thread::sleep(std::time::Duration::from_millis(100));\n    std::fs::read_to_string(path)\n}',
      useInstead:
        'async fn poll_status(path: &str) -> std::io::Result<String> {\n    tokio::time::sleep(std::time::Duration::from_millis(100)).await;\n    tokio::fs::read_to_string(path).await\n}\n// For blocking work without an async version: tokio::task::spawn_blocking(move || ...).await',
      notes:
        'The fix is offered only where a drop-in async replacement exists (today: `std::thread::sleep(d)` becomes `tokio::time::sleep(d).await`). Method calls are reported only when the receiver\'s type is visible (a parameter, an annotated or constructed local, a struct field). A short blocking call that is deliberate (a test, a tiny file read at startup) can be silenced with `// awaitlens: allow(blocking-in-async)`.',
    },
  },
  nodeTypes: ['call_expression'],
  check(ctx) {
    const { syntax } = ctx;
    // Most calls share their body with many others: whether it is async is read once per body.
    const asyncBodies = new NodeMap<boolean>();
    const inAsync = (call: SyntaxNode): SyntaxNode | undefined => {
      const body = enclosingBody(syntax, call);
      if (!body) return undefined;
      let isAsync = asyncBodies.get(body);
      if (isAsync === undefined) asyncBodies.set(body, (isAsync = isAsyncBody(syntax, body) ?? syntax.same(asyncBodyOf(syntax, call), body)));
      return isAsync ? body : undefined;
    };
    for (const call of syntax.nodes('call_expression')) {
      const found = blockingCall(ctx, call, inAsync);
      if (!found) continue;
      const body = inAsync(call);
      if (!body) continue;
      const { api, name } = found;
      const where = body.type === 'function_item' ? 'an `async fn`' : body.type === 'async_block' ? 'an `async` block' : 'an `async` closure';
      const replace = api.replace ? api.replace.replace('$args', argsText(call)) : undefined;
      ctx.report({
        node: call,
        message: `Inside ${where}, ${name} ${api.why}, so every other task on this runtime worker stalls until it returns (async alternative: ${api.instead}).`,
        fixes: replace ? [{ title: `Replace with \`${api.replace!.replace('($args)', '(..)')}\``, safe: true, edits: [{ node: call, newText: replace }] }] : [],
      });
    }
  },
});

/** A fn's header up to `fn`: visibility, then the modifiers (`async`, `const`, `unsafe`, `extern "C"`). */
const FN_HEADER = /(?:pub\b\s*(?:\([^()]*\)\s*)?)?((?:(?:const|async|unsafe|default)\s+|extern\b\s*(?:"[^"]*"\s*)?)*)fn\b/y;

/**
 * Whether a fn body is async, read from its header's text (reading the fn's children from the
 * tree costs a node each); undefined for anything but a fn with a plainly spelled header (a
 * comment among the modifiers, say), which `asyncBodyOf` then decides.
 */
function isAsyncBody(syntax: FileSyntax, body: SyntaxNode): boolean | undefined {
  if (body.type !== 'function_item') return undefined;
  FN_HEADER.lastIndex = syntax.start(body);
  const header = FN_HEADER.exec(syntax.text);
  // As `isAsyncFn` reads the modifiers.
  return header ? /\basync\b/.test(header[1]!) : undefined;
}

/** The knowledge entry of a blocking call and how to name it, or undefined. */
function blockingCall(ctx: RuleContext, call: SyntaxNode, inAsync?: (call: SyntaxNode) => SyntaxNode | undefined): { api: BlockingApi; name: string } | undefined {
  const { resolver, knowledge } = ctx;
  // Built only for a call that turns out to block: reading the arguments is a native call.
  const argText = () => {
    const args = call.childForFieldName('arguments');
    return args && args.namedChildren.length > 0 ? '(..)' : '()';
  };
  const path = resolver.calleePath(call);
  if (path) {
    const api = knowledge.blockingFn(path);
    if (!api) return undefined;
    const written = (call.childForFieldName('function')?.text ?? path).replace(/\s+/g, '');
    return { api, name: `\`${written}${argText()}\`` };
  }
  const m = resolver.methodCall(call);
  // Typing the receiver is the costly part; no blocking API has a method of most names.
  if (!m || !knowledge.hasBlockingMethod(m.name)) return undefined;
  // Blocking method names are common (`send`, `recv`, `read`, `join`): outside async code the
  // receiver need not be typed at all.
  if (inAsync && !inAsync(call)) return undefined;
  const recv = receiverType(ctx, m.receiver);
  const api = recv ? knowledge.blockingMethod(m.name, recv) : undefined;
  if (!api) return undefined;
  // `File::open(p)?.read_to_string(..)`: the open is reported already, once per line is enough.
  const inner = producer(ctx, m.receiver);
  if (inner && blockingCall(ctx, inner)) return undefined;
  const recvText = m.receiver.text.replace(/\s+/g, ' ');
  const shown = recvText.length <= 40 && !recvText.includes('\n') ? `${recvText}.${m.name}` : `.${m.name}`;
  return { api, name: `\`${shown}${argText()}\`` };
}

/** The receiver's type, seeing through `Command` builder chains. */
function receiverType(ctx: RuleContext, receiver: SyntaxNode): string | undefined {
  const t = ctx.resolver.typeOf(receiver);
  if (t) return t;
  if (receiver.type !== 'call_expression') return undefined;
  const m = ctx.resolver.methodCall(receiver);
  if (!m || !COMMAND_BUILDERS.has(m.name)) return undefined;
  return receiverType(ctx, m.receiver) === COMMAND ? COMMAND : undefined;
}

/** The call whose result `expr` is, looking through `?`, `.unwrap()` and `.expect(..)`. */
function producer(ctx: RuleContext, expr: SyntaxNode): SyntaxNode | undefined {
  let e: SyntaxNode | undefined = expr;
  while (e) {
    if (e.type === 'try_expression' || e.type === 'parenthesized_expression') {
      e = e.namedChildren[0];
      continue;
    }
    if (e.type !== 'call_expression') return undefined;
    const m = ctx.resolver.methodCall(e);
    if (m && PASS_THROUGH.has(m.name)) {
      e = m.receiver;
      continue;
    }
    return e;
  }
  return undefined;
}
