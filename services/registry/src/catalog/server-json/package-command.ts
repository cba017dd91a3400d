import type { PackageOrigin } from '../catalog-entry.schema';

/** How each package registry's packages are started when the manifest gives no runtime arguments. */
const RUNTIMES: Record<PackageOrigin['registryType'], { command: string; launcherArgs: string[] }> = {
  npm: { command: 'npx', launcherArgs: ['-y'] },
  pypi: { command: 'uvx', launcherArgs: [] },
  oci: { command: 'docker', launcherArgs: ['run', '-i', '--rm'] },
};

export const defaultRuntimeOf = (origin: PackageOrigin) => ({
  command: origin.runtimeHint ?? RUNTIMES[origin.registryType].command,
  launcherArgs: RUNTIMES[origin.registryType].launcherArgs,
});

/** The argument naming the package at its version: `pkg@1.2.3` (npm), `pkg==1.2.3` (pypi), `image:1.2.3` (oci). */
export function packageSpecOf(origin: PackageOrigin): string {
  const { identifier, version } = origin;
  if (!version) return identifier;
  switch (origin.registryType) {
    case 'npm':
      return `${identifier}@${version}`;
    case 'pypi':
      return `${identifier}==${version}`;
    case 'oci':
      return /[:@]/.test(identifier.split('/').pop() ?? '') ? identifier : `${identifier}:${version}`;
  }
}
