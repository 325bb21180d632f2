/**
 * Lint: the architecture rules that used to live only in comments (shared/STYLE.md), enforced.
 * Every message says what to do instead. Syntax-only rules (no type information), so a full run
 * takes seconds; `npm run lint` also checks web/src and client/src for import cycles (madge).
 *
 * `no-restricted-imports` is one rule: where several of the blocks below match a file, the last
 * one's options replace the others'. So each area lists everything it forbids, built from the
 * shared pieces here, and the blocks go from general to specific.
 */
import { readdirSync } from 'node:fs';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Imports --------------------------------------------------------------------------------

const DOCKERODE = {
  name: 'dockerode',
  message: 'Only server/src/engine talks to Docker: add a method to the engine interface there, in Sonde types, and call that.',
};
const KUBERNETES = {
  name: '@kubernetes/client-node',
  message: 'Only server/src/engine talks to Kubernetes: add a method to the engine interface there, in Sonde types, and call that.',
};
const KUBERNETES_DEEP = {
  group: ['@kubernetes/client-node/*'],
  message: 'Only server/src/engine talks to Kubernetes: add a method to the engine interface there, in Sonde types, and call that.',
};
const SQLITE = {
  name: 'better-sqlite3',
  message: 'Only server/src/store opens the database: add a query to the store there and call that.',
};
const noReact = (where) => ({
  group: ['react', 'react/*', 'react-dom', 'react-dom/*'],
  message: `${where} stays framework-free so it can be tested and reused without a DOM: put the React glue in web/src/hooks (or a terminal/*.tsx view) and import this from there.`,
});

/** An import of a web/src top-level folder from anywhere inside web/src, whatever the depth. */
const webFolder = (folders) => `^(\\.\\./)+(${folders.join('|')})(/|$)`;

const FEATURES = readdirSync(new URL('./web/src/features', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

/** Builds the one `no-restricted-imports` setting of an area: the server seams everywhere, plus its own. */
function restrictImports(...patterns) {
  return { 'no-restricted-imports': ['error', { paths: [DOCKERODE, KUBERNETES, SQLITE], patterns: [KUBERNETES_DEEP, ...patterns] }] };
}

// Untrusted JSON -------------------------------------------------------------------------

const JSON_REPLY_CAST = 'A reply is untrusted JSON: call the API through @sonde/client (it validates every reply with the shared schemas), or check it with Value.Check(schema, body) from typebox/value. Never cast it.';
/** A cast to a type other than `unknown` (widening to unknown is what a check starts from). */
const CAST = ':matches(TSAsExpression, TSTypeAssertion):not([typeAnnotation.type="TSUnknownKeyword"])';
const JSON_REPLY_READ = 'A reply is untrusted JSON: call the API through @sonde/client, or check the body first (checked(schema, body) in server tests, Value.Check elsewhere) or compare it whole with toMatchObject. Never read a field of it unchecked.';
const noJsonReplyCasts = [
  { selector: `${CAST} > CallExpression[callee.property.name="json"]`, message: JSON_REPLY_CAST },
  { selector: `${CAST} > AwaitExpression > CallExpression[callee.property.name="json"]`, message: JSON_REPLY_CAST },
  // inject()'s json<T>() is the same cast, spelled as a type argument.
  { selector: 'CallExpression[callee.property.name="json"][typeArguments]', message: JSON_REPLY_CAST },
  // inject()'s json() is `any`: reading a field of it is a cast nobody wrote.
  { selector: 'MemberExpression[object.type="CallExpression"][object.callee.property.name="json"]', message: JSON_REPLY_READ },
  { selector: 'MemberExpression[object.type="AwaitExpression"][object.argument.callee.property.name="json"]', message: JSON_REPLY_READ },
];
const noJsonParseCasts = [
  {
    selector: `${CAST} > CallExpression[callee.object.name="JSON"][callee.property.name="parse"]`,
    message: 'Parsed JSON is untrusted: check it with Value.Check(schema, data) from typebox/value (a schema in @sonde/shared for wire data), never cast it.',
  },
];

export default defineConfig(
  globalIgnores([
    '**/node_modules/',
    '**/dist/',
    'test-results/',
    'playwright-report/',
    'coverage/',
    '.cache/',
    'toolbox/.rootfs/',
    'server/bench/dist/',
  ]),

  {
    name: 'sonde/typescript',
    files: ['**/*.{ts,tsx,mts,cts}'],
    languageOptions: { parser: tseslint.parser, sourceType: 'module' },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      ...restrictImports(),
      'no-restricted-syntax': ['error', ...noJsonReplyCasts],
    },
  },

  {
    name: 'sonde/server-seams',
    // The seams themselves, the benchmark whose job is timing Docker without Sonde, and the
    // test that checks the Swarm testbed's nested engines without any Sonde code.
    files: ['server/src/engine/**', 'server/bench/raw-toolbox.ts', 'server/test/swarm-testbed.test.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [SQLITE] }] },
  },
  {
    name: 'sonde/server-store',
    files: ['server/src/store/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [DOCKERODE, KUBERNETES], patterns: [KUBERNETES_DEEP] }] },
  },

  {
    name: 'sonde/client',
    files: ['client/src/**'],
    rules: {
      ...restrictImports(noReact('client/'), {
        regex: '^(\\.\\./)+(server|web|e2e)(/|$)',
        message: 'client/ is a package of its own: it depends on @sonde/shared and typebox only. Move what it needs into shared/.',
      }),
      'no-restricted-syntax': ['error', ...noJsonReplyCasts, ...noJsonParseCasts],
    },
  },

  // web/src: api (React-free resources) <- hooks (React) <- features <- pages <- app.
  {
    name: 'sonde/web',
    files: ['web/src/**'],
    rules: { 'no-restricted-syntax': ['error', ...noJsonReplyCasts, ...noJsonParseCasts] },
  },
  {
    name: 'sonde/web-api',
    files: ['web/src/api/**', 'web/src/lifecycle/**'],
    rules: restrictImports(noReact('web/src/api (and lifecycle/)'), {
      regex: webFolder(['hooks', 'components', 'features', 'pages', 'app']),
      message: 'api/ is the bottom layer: it knows nothing of hooks, components, features, pages or app. Have the caller pass what it needs in.',
    }),
  },
  {
    name: 'sonde/web-terminal-core',
    files: ['web/src/terminal/*.ts'],
    rules: restrictImports(noReact('The terminal protocol (terminal/*.ts)'), {
      regex: webFolder(['api', 'hooks', 'components', 'features', 'pages', 'app']),
      message: 'The terminal core only knows sockets and xterm: let its React view (terminal/*.tsx) or a feature hand it what it needs.',
    }),
  },
  {
    name: 'sonde/web-hooks',
    files: ['web/src/hooks/**'],
    rules: restrictImports({
      regex: webFolder(['features', 'pages', 'app']),
      message: 'hooks/ is the React layer over api/ that features build on: move what you need from a feature down into api/, hooks/ or components/.',
    }),
  },
  {
    name: 'sonde/web-components',
    files: ['web/src/components/**'],
    rules: restrictImports(
      {
        regex: webFolder(['api', 'hooks', 'features', 'pages', 'app']),
        message: 'components/ are generic UI with no API knowledge: take data and callbacks as props; the feature or page that renders it uses hooks/.',
      },
      { group: ['@sonde/client'], message: 'components/ have no API knowledge: take data and callbacks as props.' },
    ),
  },
  ...FEATURES.map((feature) => {
    const others = FEATURES.filter((other) => other !== feature);
    return {
      name: `sonde/web-feature-${feature}`,
      files: [`web/src/features/${feature}/**`],
      ignores: ['**/*.test.ts'],
      rules: restrictImports(
        {
          regex: `${webFolder(others)}|(^|/)features/(?!${feature}/)`,
          message: `features/${feature} may not import another feature: compose them in web/src/pages (pass one's output to the other as props or children), or move the shared piece to components/ (UI) or hooks/ (data).`,
        },
        {
          regex: webFolder(['pages', 'app']),
          message: 'Features are composed by pages/ and app/, never the other way round.',
        },
        {
          regex: webFolder(['api']),
          allowTypeImports: true,
          message: 'Features read and act through hooks/ (useConsoleData(), useContainers(), usePermissions()…); import api/ for types only.',
        },
        {
          group: ['@sonde/client'],
          allowTypeImports: true,
          message: 'Features reach the server through hooks/ and the api/ modules they hand out; import @sonde/client for types only.',
        },
      ),
    };
  }),
  {
    name: 'sonde/web-pages',
    files: ['web/src/pages/**'],
    rules: restrictImports({ regex: webFolder(['app']), message: 'app/ renders pages, not the other way round: take what you need as props.' }),
  },

  {
    name: 'sonde/e2e',
    files: ['e2e/**'],
    rules: { 'no-restricted-syntax': ['error', ...noJsonReplyCasts, ...noJsonParseCasts] },
  },
);
