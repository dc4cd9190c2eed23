/**
 * The shape of src/, checked by `npm run lint` (README, "Architecture"). Layers, top to
 * bottom; a module may import from its own layer's folder or any layer below, never above,
 * and no two folders may import each other (directly or round a longer loop).
 */
const LAYERS = [
  { name: 'composition', path: '^src/(main|app)\\.ts$' },
  { name: 'surfaces', path: '^src/(channels|admin)/' },
  { name: 'runtime', path: '^src/runtime/' },
  { name: 'dialogue', path: '^src/dialogue/' },
  { name: 'domain', path: '^src/(nlu|knowledge|procedures|privacy)/' },
  { name: 'store', path: '^src/store/' },
  { name: 'base', path: '^src/(core/|config\\.ts$|errors\\.ts$|logger\\.ts$|security\\.ts$|paths\\.ts$)' },
];

const upward = LAYERS.slice(1).map((layer, i) => ({
  name: `${layer.name}-imports-upward`,
  comment: `${layer.name} must not import from a layer above it (${LAYERS.slice(0, i + 1)
    .map((l) => l.name)
    .join(', ')})`,
  severity: 'error',
  from: { path: layer.path },
  to: { path: LAYERS.slice(0, i + 1).map((l) => l.path) },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-folder-cycle',
      comment: 'two folders importing each other (directly or through others) have no clear direction',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-module-cycle',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a type from above is a dependency on above.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    includeOnly: '^src/',
  },
};
