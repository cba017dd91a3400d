import { serverIdSchema } from '@portcullis/contracts';
import { dataPathServerIds } from './data-path-server-ids';

describe('dataPathServerIds', () => {
  it('should use the entry slug, and a short unique id when it is taken or longer than 32 characters', () => {
    const ids = dataPathServerIds([
      { installationId: '0190a7a0-0000-7000-8000-000000aaaaaa', entrySlug: 'github' },
      { installationId: '0190a7a0-0000-7000-8000-000000bbbbbb', entrySlug: 'github' },
      {
        installationId: '0190a7a0-0000-7000-8000-000000cccccc',
        entrySlug: 'a-very-long-catalog-slug-that-goes-on-and-on',
      },
      { installationId: '0190a7a0-0000-7000-8000-000000dddddd', entrySlug: 'ends-with-dash-' },
    ]);
    expect(ids).toEqual(['github', 'github-bbbbbb', 'a-very-long-catalog-slug-cccccc', 'ends-with-dash']);
    for (const id of ids) {
      expect(serverIdSchema.safeParse(id).success).toBe(true);
      expect(id).not.toContain('_');
    }
  });
});
