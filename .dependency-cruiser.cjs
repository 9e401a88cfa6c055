// The import rules of src/, checked by `npm test` (`npm run check:deps`). Layers point one way: a module may import
// its own layer and the layers below it, never a sibling or a layer above. What two siblings share moves down a layer.
const LAYERS = [
  ['common'], // config kit, logger, durable-file helpers: no project imports at all
  ['protocol'], // the Kafka wire format
  ['storage'], // the segmented log
  ['broker', 'client', 'collect'], // the Kafka server, our Kafka client, what every record source shares (tailer, line protocol)
  ['ingest', 'agent', 'query', 'metrics'], // services built on those
  ['alerts', 'flows'], // alert rules over logs and metrics; forwarding of local topics (derived topics, remote clusters, files, HTTP)
  ['server'], // the HTTP/WebSocket API
  ['app'], // the composition root of `tributary serve`
  ['cli'], // the `tributary` command
];

const rank = new Map(LAYERS.flatMap((names, i) => names.map((n) => [n, i])));
const layerRules = [...rank].map(([name, r]) => {
  const notBelow = [...rank].filter(([other, o]) => other !== name && o >= r).map(([other]) => other);
  return {
    name: `layer-${name}`,
    comment: `src/${name} may import only layers below it (${[...rank].filter(([, o]) => o < r).map(([n]) => n).join(', ') || 'none'})`,
    severity: 'error',
    from: { path: `^src/${name}/` },
    to: { path: `^src/(${notBelow.join('|')})/` },
  };
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'import cycles make start-up order and testing fragile',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-unknown-layer',
      comment: 'every folder of src/ belongs to a layer in .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/(${[...rank.keys()].join('|')})/` },
      to: {},
    },
    {
      name: 'no-electron-in-core',
      comment: 'src/ runs in plain Node too; Electron belongs to main/',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^electron$|node_modules/electron/' },
    },
    {
      name: 'main-stays-out-of-the-core',
      comment: 'main/ (Electron main process) runs the core in a utility process and talks to it by messages; it may read only their types from src/, and the environment the core starts with',
      severity: 'error',
      from: { path: '^main/' },
      to: { path: '^src/', pathNot: '^src/(app/desktop-protocol|common/malloc-env)\\.ts$' },
    },
    {
      name: 'no-dev-dependency-in-src',
      comment: 'src/ is what ships; devDependencies (kafkajs is only a second client for tests and benchmarks) are not installed with it',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'] },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
