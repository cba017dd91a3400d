import { buildToolNameMap } from './build-tool-name-map';
import { type ToolNameMap, type UpstreamToolRef } from './tool-name-map';
import { TOOL_NAME_PATTERN, type ToolPrefixMode } from './tool-name-rules';

const MODES: ToolPrefixMode[] = ['always', 'on-conflict', 'never'];

/** mulberry32: a seeded generator, so every "random" case is the same on every run and machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  '_',
  '-',
  '__',
  '.',
  '/',
  ' ',
  'é',
  'ß',
  'ﬃ',
  '日本',
  '😀',
  'e\u0301',
  '\u202e',
  'Ω',
  'search',
  'get_',
];

function randomName(next: () => number, maxLength: number): string {
  const length = 1 + Math.floor(next() * maxLength);
  let name = '';
  while (name.length < length) name += PIECES[Math.floor(next() * PIECES.length)];
  return name;
}

function randomToolSet(next: () => number): UpstreamToolRef[] {
  const servers = Array.from({ length: 1 + Math.floor(next() * 5) }, () => randomName(next, next() < 0.2 ? 80 : 12));
  const sharedTools = Array.from({ length: 3 }, () => randomName(next, 20));
  const pairs: UpstreamToolRef[] = [];
  for (const server of servers) {
    const count = Math.floor(next() * 12);
    for (let i = 0; i < count; i++) {
      const tool = next() < 0.3 ? sharedTools[Math.floor(next() * 3)] : randomName(next, next() < 0.3 ? 120 : 24);
      pairs.push({ server, tool });
    }
  }
  return pairs;
}

function shuffled<T>(items: T[], next: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

function names(map: ToolNameMap): string[] {
  return map.entries.map((e) => e.name);
}

describe(buildToolNameMap.name, () => {
  describe('modes', () => {
    const pairs = [
      { server: 'github', tool: 'search' },
      { server: 'jira', tool: 'search' },
      { server: 'github', tool: 'create_issue' },
    ];

    it('should prefix every tool with its server in always mode', () => {
      expect(names(buildToolNameMap(pairs, 'always'))).toEqual([
        'github__create_issue',
        'github__search',
        'jira__search',
      ]);
    });

    it('should prefix only the tools several servers share in on-conflict mode', () => {
      expect(names(buildToolNameMap(pairs, 'on-conflict'))).toEqual(['create_issue', 'github__search', 'jira__search']);
    });

    it('should report shared names in never mode and expose none of the conflicting tools', () => {
      const map = buildToolNameMap(pairs, 'never');
      expect(names(map)).toEqual(['create_issue']);
      expect(map.conflicts).toEqual([{ tool: 'search', servers: ['github', 'jira'] }]);
      expect(map.exposedName('github', 'search')).toBeUndefined();
      expect(map.resolve('search')).toBeUndefined();
    });

    it('should treat the same pair listed twice as one tool, not a conflict', () => {
      const map = buildToolNameMap([...pairs, { server: 'jira', tool: 'search' }], 'on-conflict');
      expect(map.entries).toHaveLength(3);
    });
  });

  describe('names outside the rules', () => {
    it('should shorten names longer than 64 characters and keep them reversible', () => {
      const tool = 'a_really_long_tool_name_that_some_generated_openapi_bridge_produced_for_us';
      const map = buildToolNameMap([{ server: 'openapi-bridge', tool }], 'always');
      const [entry] = map.entries;
      expect(entry.name.length).toBeLessThanOrEqual(64);
      expect(entry.name).toMatch(TOOL_NAME_PATTERN);
      expect(entry.shortened).toBe(true);
      expect(map.resolve(entry.name)).toEqual({ server: 'openapi-bridge', tool });
    });

    it('should give the same shortened names on every run (golden values)', () => {
      const map = buildToolNameMap(
        [
          {
            server: 'openapi-bridge',
            tool: 'a_really_long_tool_name_that_some_generated_openapi_bridge_produced_for_us',
          },
          { server: 'fs', tool: 'read.file' },
          { server: 'fs', tool: 'read/file' },
          { server: 'docs', tool: 'résumé écrire' },
          { server: 'docs', tool: '😀' },
        ],
        'always',
      );
      expect(names(map)).toEqual([
        'docs__resume_ecrire_33579d7d',
        'docs__tool_cd61a271',
        'fs__read_file_485413c3',
        'fs__read_file_923abb96',
        'openapi-bridge__a_really_long_tool_name_that_some_gener_89265d71',
      ]);
    });

    it('should keep two names that sanitise alike apart', () => {
      const map = buildToolNameMap(
        [
          { server: 'fs', tool: 'read.file' },
          { server: 'fs', tool: 'read/file' },
        ],
        'never',
      );
      const [a, b] = [map.exposedName('fs', 'read.file'), map.exposedName('fs', 'read/file')];
      expect(a).not.toEqual(b);
      expect(map.conflicts).toEqual([]);
    });

    it('should keep a prefixed name apart from a server whose id contains the separator', () => {
      const map = buildToolNameMap(
        [
          { server: 'a__b', tool: 'c' },
          { server: 'a', tool: 'b__c' },
        ],
        'always',
      );
      expect(map.exposedName('a', 'b__c')).toBe('a__b__c');
      expect(map.exposedName('a__b', 'c')).toMatch(/^a__b__c_[0-9a-f]{8}$/);
    });

    it('should let a real tool name win over a prefixed name that spells the same', () => {
      const map = buildToolNameMap(
        [
          { server: 'github', tool: 'search' },
          { server: 'jira', tool: 'search' },
          { server: 'other', tool: 'github__search' },
        ],
        'on-conflict',
      );
      expect(map.exposedName('other', 'github__search')).toBe('github__search');
      expect(map.exposedName('github', 'search')).toMatch(/^github__search_[0-9a-f]{8}$/);
    });

    it('should lengthen the hash when a shortened name collides with a real one', () => {
      const shortened = buildToolNameMap([{ server: 's', tool: 'x.y' }], 'never').exposedName('s', 'x.y') ?? '';
      const map = buildToolNameMap(
        [
          { server: 's', tool: 'x.y' },
          { server: 't', tool: shortened },
        ],
        'never',
      );
      expect(map.exposedName('t', shortened)).toBe(shortened);
      expect(map.exposedName('s', 'x.y')).toMatch(/^x_y_[0-9a-f]{12}$/);
    });
  });

  describe('properties over random tool sets', () => {
    const sets = Array.from({ length: 250 }, (_, i) => randomToolSet(rng(1000 + i)));

    it('should cover long, unicode and shared names, so the properties below are not vacuous', () => {
      const pairs = sets.flat();
      expect(pairs.filter((p) => p.tool.length > 64).length).toBeGreaterThan(100);
      expect(pairs.filter((p) => /[\u0080-\uffff]/.test(p.tool)).length).toBeGreaterThan(100);
      const shortened = sets.flatMap((set) => buildToolNameMap(set, 'always').entries).filter((e) => e.shortened);
      expect(shortened.length).toBeGreaterThan(500);
      expect(sets.filter((set) => buildToolNameMap(set, 'never').conflicts.length > 0).length).toBeGreaterThan(50);
    });

    it.each(MODES)('should emit only names that match the provider pattern (%s)', (mode) => {
      for (const pairs of sets) {
        for (const name of names(buildToolNameMap(pairs, mode))) expect(name).toMatch(TOOL_NAME_PATTERN);
      }
    });

    it.each(MODES)('should be injective and round-trip every exposed name (%s)', (mode) => {
      for (const pairs of sets) {
        const map = buildToolNameMap(pairs, mode);
        expect(new Set(names(map)).size).toBe(map.entries.length);
        for (const entry of map.entries) {
          expect(map.resolve(entry.name)).toEqual({ server: entry.server, tool: entry.tool });
          expect(map.exposedName(entry.server, entry.tool)).toBe(entry.name);
        }
      }
    });

    it.each(MODES)('should account for every pair: exposed or reported as a conflict (%s)', (mode) => {
      for (const pairs of sets) {
        const map = buildToolNameMap(pairs, mode);
        const conflicting = new Set(map.conflicts.flatMap((c) => c.servers.map((s) => JSON.stringify([s, c.tool]))));
        for (const { server, tool } of pairs) {
          const exposed = map.exposedName(server, tool) !== undefined;
          expect(exposed).toBe(!conflicting.has(JSON.stringify([server, tool])));
        }
      }
    });

    it.each(MODES)('should give the same map whatever the order of the input (%s)', (mode) => {
      sets.forEach((pairs, i) => {
        const reference = buildToolNameMap(pairs, mode);
        const reordered = buildToolNameMap(shuffled(pairs, rng(i)), mode);
        expect(reordered.entries).toEqual(reference.entries);
        expect(reordered.conflicts).toEqual(reference.conflicts);
      });
    });

    it('should only shorten names that need it', () => {
      for (const pairs of sets) {
        for (const entry of buildToolNameMap(pairs, 'always').entries) {
          if (!entry.shortened) expect(entry.name).toBe(`${entry.server}__${entry.tool}`);
        }
      }
    });
  });
});
