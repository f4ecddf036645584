import { describe, expect, test } from 'vitest';
import { parseRemap, resolveConsoleTarget, SourceMapper, spawnSites } from '../../server/live/index.js';
import { replayFiles } from './fixture-facts.js';

const files = new Set(['/ws/app/src/main.rs', '/ws/lib/src/lib.rs', '/ws/lib/src/main.rs']);
const exists = (p: string): boolean => files.has(p);

describe('source mapping', () => {
  test('relative paths resolve against the crate root that has the file', () => {
    const m = new SourceMapper({ crateRoots: ['/ws/lib', '/ws/app'], fileExists: exists });
    expect(m.resolve({ file: 'src/lib.rs', line: 3, column: 1 })).toEqual({
      kind: 'workspace', path: '/ws/lib/src/lib.rs', crateRoot: '/ws/lib', line: 3, column: 1, wireFile: 'src/lib.rs',
    });
    // Ambiguous: the first (most specific) root listed wins.
    expect(m.resolve({ file: 'src/main.rs' })).toMatchObject({ kind: 'workspace', path: '/ws/lib/src/main.rs' });
    expect(m.resolve({ file: 'src/nowhere.rs' })).toMatchObject({ kind: 'unresolved' });
    expect(m.resolve({})).toMatchObject({ kind: 'unresolved' });
  });

  test('registry, git checkouts and toolchain sources are external', () => {
    const m = new SourceMapper({ crateRoots: ['/ws/app'], fileExists: exists });
    for (const f of [
      '/home/u/.cargo/registry/src/index.crates.io-6f17d22bba15001f/tokio-1.24.2/src/time/sleep.rs',
      '/usr/share/cargo/registry/tokio-1.24.2/src/util/trace.rs',
      '/home/u/.cargo/git/checkouts/tokio-abc/1234/tokio/src/lib.rs',
      '/rustc/abc/library/core/src/future/mod.rs',
    ]) {
      expect(m.resolve({ file: f, line: 1 }).kind).toBe('external');
    }
  });

  test('remap rules (last match wins) map build paths into the workspace', () => {
    const m = new SourceMapper({
      crateRoots: ['/ws/app'],
      remaps: [parseRemap('/build=/elsewhere'), parseRemap('/build/app=/ws/app')],
      fileExists: exists,
    });
    expect(m.resolve({ file: '/build/app/src/main.rs', line: 9 })).toMatchObject({ kind: 'workspace', path: '/ws/app/src/main.rs', line: 9 });
    expect(() => parseRemap('nonsense')).toThrow(/FROM=TO/);
  });

  test('spawn sites aggregate the five mutex waiters', () => {
    const { model } = replayFiles('mutex-contention');
    const mapper = new SourceMapper({ crateRoots: ['/ws/app'], fileExists: exists });
    const sites = spawnSites(model, mapper);
    const waiters = sites.get('src/main.rs:164:9')!;
    expect(waiters.taskIds).toHaveLength(5);
    expect(waiters.names).toEqual(['mutex-waiter-0', 'mutex-waiter-1', 'mutex-waiter-2', 'mutex-waiter-3', 'mutex-waiter-4']);
    expect(waiters.resolved).toMatchObject({ kind: 'workspace', path: '/ws/app/src/main.rs', line: 164, column: 9 });
    expect(sites.get('src/main.rs:153:5')!.names).toEqual(['mutex-holder']);
  });
});

describe('console address', () => {
  test('explicit, env and default', () => {
    expect(resolveConsoleTarget(undefined, {})).toEqual({ grpcTarget: '127.0.0.1:6669', secure: false, source: 'default' });
    expect(resolveConsoleTarget(undefined, { TOKIO_CONSOLE_BIND: '127.0.0.1:7000' })).toMatchObject({ grpcTarget: '127.0.0.1:7000', source: 'TOKIO_CONSOLE_BIND' });
    expect(resolveConsoleTarget('http://10.0.0.1:1234/', { TOKIO_CONSOLE_BIND: 'x:1' })).toEqual({ grpcTarget: '10.0.0.1:1234', secure: false, source: 'explicit' });
    expect(resolveConsoleTarget('https://h:1', {})).toMatchObject({ grpcTarget: 'h:1', secure: true });
    expect(resolveConsoleTarget('unix:/tmp/c.sock', {}).grpcTarget).toBe('unix:/tmp/c.sock');
    expect(resolveConsoleTarget('unix:///tmp/c.sock', {}).grpcTarget).toBe('unix:/tmp/c.sock');
    expect(resolveConsoleTarget(undefined, { TOKIO_CONSOLE_BIND: '[::]:6669' }).grpcTarget).toBe('[::1]:6669');
  });
});
