/**
 * Assembles a Flink home (the layout of the release tarball, /opt/flink in the image) from
 * registry artifacts, cached per release under `~/.cache/flink-operator/flink/<version>/`:
 *   - `apache-flink-libraries` (PyPI) gives lib/ (with the real flink-dist jar), opt/, plugins/
 *     and bin/bash-java-utils.jar;
 *   - `apache-flink` (PyPI) gives the start scripts in bin/ and the default conf/;
 *   - `flink-examples-streaming` (Maven Central) gives the example jars in examples/streaming/:
 *     its classifier jars as they are, and StateMachineExample.jar (which the release tarball
 *     ships but Central does not) repackaged from the artifact's own classes.
 * The home is built in a temporary folder and renamed into place, so a cached home is always
 * complete; a lock folder keeps concurrent processes from building the same release twice. A
 * cached home that lacks an example jar added later gets just that jar.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { cacheRoot } from '../../devcluster/versions.ts';
import { LEGACY_CONFIG_FILE, STANDARD_CONFIG_FILE as CONFIG_FILE } from '../config/config-file.ts';
import { FlinkDistributionError, runStep } from './steps.ts';
import { pinnedFlinkRelease, type PinnedFlinkRelease } from './versions.ts';

export interface FlinkDistribution {
  readonly version: string;
  readonly line: string;
  readonly home: string;
  readonly binDir: string;
  readonly libDir: string;
  readonly optDir: string;
  readonly pluginsDir: string;
  /** The distribution's default configuration (config.yaml or flink-conf.yaml, log4j-console.properties, ...). */
  readonly confDir: string;
  readonly examplesDir: string;
  readonly distJar: string;
  readonly bashJavaUtilsJar: string;
  readonly examples: {
    /** Streaming WordCount; bounded on its built-in text, so `--execution-mode BATCH` runs it as a batch job. */
    readonly wordCount: string;
    /** Unbounded, keyed and windowed (stateful) on generated data: the job for savepoint tests. */
    readonly topSpeedWindowing: string;
    /**
     * Unbounded keyed state machine on its built-in generator: the jar most example manifests
     * name (`local:///opt/flink/examples/streaming/StateMachineExample.jar`). Its Kafka source
     * (`--kafka-topic`) is left out: the connector is not part of it here.
     */
    readonly stateMachine: string;
  };
}

/** Example jars taken from flink-examples-streaming: Maven classifier -> file in examples/streaming/. */
const EXAMPLE_JARS = { WordCount: 'WordCount.jar', TopSpeedWindowing: 'TopSpeedWindowing.jar' } as const;

/**
 * An example jar made from the classes under `prefixes` in the main flink-examples-streaming
 * artifact (their other dependencies are in flink-dist), as Flink's build assembles it.
 */
interface RepackagedExample {
  readonly file: string;
  readonly prefixes: readonly string[];
  readonly mainClass: string;
}

/** Flink's build assembles this jar but does not publish it. */
const STATE_MACHINE_EXAMPLE: RepackagedExample = {
  file: 'StateMachineExample.jar',
  prefixes: ['org/apache/flink/streaming/examples/statemachine/'],
  mainClass: 'org.apache.flink.streaming.examples.statemachine.StateMachineExample',
};

/** For releases whose TopSpeedWindowing classifier jar is not on Central. */
const TOP_SPEED_WINDOWING_EXAMPLE: RepackagedExample = {
  file: EXAMPLE_JARS.TopSpeedWindowing,
  prefixes: [
    'org/apache/flink/streaming/examples/windowing/',
    'org/apache/flink/streaming/examples/wordcount/util/',
  ],
  mainClass: 'org.apache.flink.streaming.examples.windowing.TopSpeedWindowing',
};

/** Which example jars of `release` come as classifier jars, and which are repackaged. */
function exampleSources(release: PinnedFlinkRelease): {
  downloaded: [classifier: string, file: string][];
  repackaged: RepackagedExample[];
} {
  const fromClasses = new Set<string>(release.repackagedExamples ?? []);
  return {
    downloaded: Object.entries(EXAMPLE_JARS).filter(([classifier]) => !fromClasses.has(classifier)),
    repackaged: [...(fromClasses.has('TopSpeedWindowing') ? [TOP_SPEED_WINDOWING_EXAMPLE] : []), STATE_MACHINE_EXAMPLE],
  };
}

/** Every file of examples/streaming/ a complete home has. */
const EXAMPLE_FILES = [...Object.values(EXAMPLE_JARS), STATE_MACHINE_EXAMPLE.file];
const MANIFEST = 'flink-operator-distribution.json';
const LOCK_STALE_MS = 30 * 60_000;

const inProcess = new Map<string, Promise<FlinkDistribution>>();

/** The cached Flink home for a supported version (`2.2`, `1.20.5`, `v1_20`, ...), assembling it on first use. */
export function ensureFlinkDistribution(version: string): Promise<FlinkDistribution> {
  const release = pinnedFlinkRelease(version);
  let pending = inProcess.get(release.version);
  if (!pending) {
    pending = ensureRelease(release);
    inProcess.set(release.version, pending);
    pending.catch(() => inProcess.delete(release.version));
  }
  return pending;
}

export function flinkCacheDir(): string {
  return path.join(cacheRoot(), 'flink');
}

async function ensureRelease(release: PinnedFlinkRelease): Promise<FlinkDistribution> {
  const home = path.join(flinkCacheDir(), release.version);
  if (isComplete(home)) return describe(release, home);
  await fsp.mkdir(flinkCacheDir(), { recursive: true });
  const lock = `${home}.lock`;
  await acquireLock(lock, home);
  try {
    if (isComplete(home)) return describe(release, home);
    if (fs.existsSync(path.join(home, MANIFEST))) await addMissingExamples(release, home);
    else await build(release, home);
    return describe(release, home);
  } finally {
    await fsp.rm(lock, { recursive: true, force: true });
  }
}

function isComplete(home: string): boolean {
  return (
    fs.existsSync(path.join(home, MANIFEST)) &&
    EXAMPLE_FILES.every((f) => fs.existsSync(path.join(home, 'examples', 'streaming', f)))
  );
}

/** Brings a home cached before an example jar was added up to date, without rebuilding it. */
async function addMissingExamples(release: PinnedFlinkRelease, home: string): Promise<void> {
  const work = `${home}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const logDir = path.join(flinkCacheDir(), 'build-logs', release.version);
  try {
    await downloadExamples(release, path.join(home, 'examples', 'streaming'), work, logDir);
    await writeManifest(release, home);
  } finally {
    await fsp.rm(work, { recursive: true, force: true });
  }
}

async function writeManifest(release: PinnedFlinkRelease, home: string): Promise<void> {
  await fsp.writeFile(
    path.join(home, MANIFEST),
    JSON.stringify(
      {
        version: release.version,
        examplesVersion: release.examplesVersion,
        examples: EXAMPLE_FILES,
        sources: [
          `pypi:apache-flink-libraries==${release.version}`,
          `pypi:apache-flink==${release.version}`,
          `maven:org.apache.flink:flink-examples-streaming:${release.examplesVersion}`,
        ],
        builtAt: new Date().toISOString(),
      },
      null,
      2,
    ) + '\n',
  );
}

/** Waits for the lock folder, or for another process to finish the home; takes over a stale lock. */
async function acquireLock(lock: string, home: string): Promise<void> {
  for (;;) {
    try {
      await fsp.mkdir(lock);
      await fsp.writeFile(path.join(lock, 'owner'), `${process.pid}\n`);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (fs.existsSync(path.join(home, MANIFEST))) return;
    if (await lockIsStale(lock)) {
      await fsp.rm(lock, { recursive: true, force: true });
      continue;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function lockIsStale(lock: string): Promise<boolean> {
  try {
    const owner = Number((await fsp.readFile(path.join(lock, 'owner'), 'utf8')).trim());
    if (Number.isInteger(owner) && owner > 0) {
      try {
        process.kill(owner, 0);
      } catch {
        return true;
      }
    }
    return Date.now() - (await fsp.stat(lock)).mtimeMs > LOCK_STALE_MS;
  } catch {
    // The owner file is written right after mkdir; give a young lock the benefit of the doubt.
    return false;
  }
}

async function build(release: PinnedFlinkRelease, home: string): Promise<void> {
  const work = `${home}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const logDir = path.join(flinkCacheDir(), 'build-logs', release.version);
  const staged = path.join(work, 'home');
  await fsp.rm(logDir, { recursive: true, force: true });
  await fsp.mkdir(staged, { recursive: true });
  try {
    const libraries = await downloadPython(release, 'apache-flink-libraries', work, logDir);
    const scripts = await downloadPython(release, 'apache-flink', work, logDir);

    const libRoot = await findRoot(libraries, (dir) => hasFile(path.join(dir, 'lib'), /^flink-dist.*\.jar$/));
    if (!libRoot) throw new FlinkDistributionError('assemble lib/', `no lib/flink-dist*.jar in ${libraries}`);
    // Flink 1.19+ ships conf/config.yaml; older releases conf/flink-conf.yaml.
    const scriptRoot = await findRoot(scripts, (dir) =>
      [CONFIG_FILE, LEGACY_CONFIG_FILE].some((f) => fs.existsSync(path.join(dir, 'conf', f))),
    );
    if (!scriptRoot) throw new FlinkDistributionError('assemble conf/', `no conf/${CONFIG_FILE} in ${scripts}`);

    for (const dir of ['lib', 'opt', 'plugins']) {
      await fsp.rename(path.join(libRoot, dir), path.join(staged, dir));
    }
    await fsp.rename(path.join(scriptRoot, 'bin'), path.join(staged, 'bin'));
    await fsp.rename(path.join(scriptRoot, 'conf'), path.join(staged, 'conf'));
    for (const entry of await fsp.readdir(path.join(libRoot, 'bin'))) {
      await fsp.rename(path.join(libRoot, 'bin', entry), path.join(staged, 'bin', entry));
    }
    // Wheels do not keep the executable bit of the scripts.
    for (const entry of await fsp.readdir(path.join(staged, 'bin'))) {
      if (!entry.endsWith('.jar')) await fsp.chmod(path.join(staged, 'bin', entry), 0o755);
    }
    await fsp.mkdir(path.join(staged, 'usrlib'));

    await downloadExamples(release, path.join(staged, 'examples', 'streaming'), work, logDir);

    await writeManifest(release, staged);
    await fsp.rm(home, { recursive: true, force: true });
    await fsp.rename(staged, home);
  } finally {
    await fsp.rm(work, { recursive: true, force: true });
  }
}

/** Downloads one PyPI package of the release (wheel or source archive) and unpacks it; returns the folder. */
async function downloadPython(
  release: PinnedFlinkRelease,
  pkg: string,
  work: string,
  logDir: string,
): Promise<string> {
  const downloads = path.join(work, 'downloads', pkg);
  const python = process.env.FLINK_OPERATOR_PYTHON ?? 'python3';
  // --no-cache-dir: our cache holds the result; pip's own would keep a second copy of ~300 MB.
  await runStep(`download ${pkg}`, logDir, python, [
    '-m',
    'pip',
    'download',
    '--no-deps',
    '--no-cache-dir',
    '--disable-pip-version-check',
    '--dest',
    downloads,
    `${pkg}==${release.version}`,
  ]);
  const archive = (await fsp.readdir(downloads))[0];
  if (!archive) throw new FlinkDistributionError(`download ${pkg}`, `pip saved nothing in ${downloads}`);
  const unpacked = path.join(work, 'unpacked', pkg);
  await fsp.mkdir(unpacked, { recursive: true });
  const file = path.join(downloads, archive);
  if (archive.endsWith('.whl')) {
    await runStep(`unpack ${pkg}`, logDir, python, ['-m', 'zipfile', '-e', file, unpacked]);
  } else if (archive.endsWith('.tar.gz')) {
    await runStep(`unpack ${pkg}`, logDir, 'tar', ['-xzf', file, '-C', unpacked]);
  } else {
    throw new FlinkDistributionError(`unpack ${pkg}`, `unexpected archive ${archive}`);
  }
  await fsp.rm(file);
  return unpacked;
}

/** Puts every example jar that `target` lacks into it; each lands under its final name in one rename. */
async function downloadExamples(
  release: PinnedFlinkRelease,
  target: string,
  work: string,
  logDir: string,
): Promise<void> {
  const downloads = path.join(work, 'downloads', 'examples');
  const missing = (file: string) => !fs.existsSync(path.join(target, file));
  await fsp.mkdir(target, { recursive: true });
  const sources = exampleSources(release);
  for (const [classifier, name] of sources.downloaded) {
    if (!missing(name)) continue;
    const jar = await downloadExamplesArtifact(release, classifier, downloads, logDir);
    await fsp.rename(jar, path.join(target, name));
  }
  const repackaged = sources.repackaged.filter((e) => missing(e.file));
  if (repackaged.length === 0) return;
  const classes = await downloadExamplesArtifact(release, undefined, downloads, logDir);
  const bundled: string[] = [];
  for (const artifact of release.exampleDependencies ?? []) {
    bundled.push(await downloadFlinkArtifact(artifact, release.examplesVersion, undefined, downloads, logDir));
  }
  for (const example of repackaged) {
    const staged = path.join(downloads, example.file);
    const spec = { source: classes, target: staged, mainClass: example.mainClass, prefixes: example.prefixes, bundled };
    await runStep(`repackage example ${example.file}`, logDir, process.env.FLINK_OPERATOR_PYTHON ?? 'python3', [
      '-c',
      REPACKAGE_SCRIPT,
      JSON.stringify(spec),
    ]);
    await fsp.rename(staged, path.join(target, example.file));
  }
}

/** Fetches one jar of flink-examples-streaming (the main artifact without a classifier); returns its path. */
function downloadExamplesArtifact(
  release: PinnedFlinkRelease,
  classifier: string | undefined,
  downloads: string,
  logDir: string,
): Promise<string> {
  return downloadFlinkArtifact('flink-examples-streaming', release.examplesVersion, classifier, downloads, logDir);
}

/** Fetches one jar of `org.apache.flink:<artifact>:<version>` from Maven Central; returns its path. */
async function downloadFlinkArtifact(
  artifact: string,
  version: string,
  classifier: string | undefined,
  downloads: string,
  logDir: string,
): Promise<string> {
  const coordinates = `org.apache.flink:${artifact}:${version}:jar`;
  const step = artifact === 'flink-examples-streaming' ? `example ${classifier ?? 'classes'}` : artifact;
  await runStep(`download ${step}`, logDir, process.env.FLINK_OPERATOR_MAVEN ?? 'mvn', [
    '-B',
    '-q',
    'org.apache.maven.plugins:maven-dependency-plugin:2.8:copy',
    `-Dartifact=${coordinates}${classifier ? `:${classifier}` : ''}`,
    `-DoutputDirectory=${downloads}`,
  ]);
  const suffix = classifier ? `-${classifier}` : '';
  return path.join(downloads, `${artifact}-${version}${suffix}.jar`);
}

/**
 * argv: a JSON object {source, target, mainClass, prefixes, bundled}. Copies the entries under
 * the prefixes of the source jar, and the classes of each bundled jar, into a new jar whose
 * manifest names the main class (Main-Class for java -jar, program-class for Flink's client), as
 * Flink's own build of the example does.
 */
const REPACKAGE_SCRIPT = `
import json, sys, zipfile
spec = json.loads(sys.argv[1])
prefixes = tuple(spec['prefixes'])
main = spec['mainClass']
with zipfile.ZipFile(spec['target'], 'w', zipfile.ZIP_DEFLATED) as zout:
    zout.writestr('META-INF/MANIFEST.MF',
                  'Manifest-Version: 1.0\\r\\nMain-Class: %s\\r\\nprogram-class: %s\\r\\n\\r\\n' % (main, main))
    copied = 0
    with zipfile.ZipFile(spec['source']) as zin:
        for entry in zin.infolist():
            if entry.filename.startswith(prefixes):
                zout.writestr(entry, zin.read(entry))
                copied += 1
    if copied == 0:
        sys.exit('no entries under %s in %s' % (', '.join(prefixes), spec['source']))
    for jar in spec['bundled']:
        with zipfile.ZipFile(jar) as zin:
            for entry in zin.infolist():
                if entry.filename.endswith('.class'):
                    zout.writestr(entry, zin.read(entry))
`;

/** The shallowest folder under `root` (depth <= 4) that satisfies `test`. */
async function findRoot(root: string, test: (dir: string) => boolean): Promise<string | undefined> {
  let level = [root];
  for (let depth = 0; depth <= 4 && level.length > 0; depth++) {
    const found = level.find(test);
    if (found) return found;
    const next: string[] = [];
    for (const dir of level) {
      for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) next.push(path.join(dir, entry.name));
      }
    }
    level = next;
  }
  return undefined;
}

function hasFile(dir: string, pattern: RegExp): boolean {
  try {
    return fs.readdirSync(dir).some((f) => pattern.test(f));
  } catch {
    return false;
  }
}

function describe(release: PinnedFlinkRelease, home: string): FlinkDistribution {
  const libDir = path.join(home, 'lib');
  const distJar = fs.readdirSync(libDir).find((f) => /^flink-dist.*\.jar$/.test(f));
  if (!distJar) throw new FlinkDistributionError('read cached distribution', `no flink-dist jar in ${libDir}`);
  const examplesDir = path.join(home, 'examples');
  return {
    version: release.version,
    line: release.line,
    home,
    binDir: path.join(home, 'bin'),
    libDir,
    optDir: path.join(home, 'opt'),
    pluginsDir: path.join(home, 'plugins'),
    confDir: path.join(home, 'conf'),
    examplesDir,
    distJar: path.join(libDir, distJar),
    bashJavaUtilsJar: path.join(home, 'bin', 'bash-java-utils.jar'),
    examples: {
      wordCount: path.join(examplesDir, 'streaming', EXAMPLE_JARS.WordCount),
      topSpeedWindowing: path.join(examplesDir, 'streaming', EXAMPLE_JARS.TopSpeedWindowing),
      stateMachine: path.join(examplesDir, 'streaming', STATE_MACHINE_EXAMPLE.file),
    },
  };
}
