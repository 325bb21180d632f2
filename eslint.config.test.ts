/**
 * The lint configuration is architecture: each boundary is checked here with an import it must
 * refuse (and the message that says what to do instead) and one it must let through, so a rule
 * that silently stopped matching fails a test instead of letting violations in.
 */
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

let eslint: ESLint;

// The first lint loads the configuration and its plugins (seconds on a busy machine): do it here,
// under the hook's own timeout, so no rule's test pays for it.
beforeAll(async () => {
  eslint = new ESLint({ cwd: import.meta.dirname });
  await eslint.lintText('export {};\n', { filePath: 'server/src/warm-up.ts' });
}, 60_000);

/** The messages ESLint reports for `code` as if it were the file at `filePath` (which need not exist). */
async function lint(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\n`, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

async function refused(filePath: string, code: string, because: RegExp): Promise<void> {
  const messages = await lint(filePath, code);
  expect(messages, `${filePath}: ${code}`).toHaveLength(1);
  expect(messages[0]).toMatch(because);
}

async function allowed(filePath: string, code: string): Promise<void> {
  expect(await lint(filePath, code), `${filePath}: ${code}`).toEqual([]);
}

describe('server seams', () => {
  it('dockerode only in server/src/engine (and the raw-Docker benchmark)', async () => {
    await refused('server/src/routes/x.ts', "import Docker from 'dockerode';", /Only server\/src\/engine talks to Docker/);
    await refused('web/src/api/x.ts', "import type Docker from 'dockerode';", /Only server\/src\/engine/);
    await allowed('server/src/engine/x.ts', "import Docker from 'dockerode';");
    await allowed('server/bench/raw-toolbox.ts', "import Docker from 'dockerode';");
  });

  it('better-sqlite3 only in server/src/store', async () => {
    await refused('server/src/audit/x.ts', "import Database from 'better-sqlite3';", /Only server\/src\/store opens the database/);
    await refused('server/src/engine/x.ts', "import Database from 'better-sqlite3';", /server\/src\/store/);
    await allowed('server/src/store/x.ts', "import Database from 'better-sqlite3';");
  });
});

describe('framework-free code', () => {
  it('no React in web/src/api, terminal/*.ts, lifecycle or client/', async () => {
    for (const file of ['web/src/api/x.ts', 'web/src/terminal/x.ts', 'web/src/lifecycle/x.ts', 'client/src/x.ts']) {
      await refused(file, "import { useState } from 'react';", /framework-free/);
    }
    await refused('web/src/api/x.ts', "import { createRoot } from 'react-dom/client';", /framework-free/);
    await allowed('web/src/terminal/TerminalView.tsx', "import { useState } from 'react';");
    await allowed('web/src/hooks/x.ts', "import { useState } from 'react';");
  });

  it('api/ is the bottom layer of the web app; client/ depends on shared only', async () => {
    await refused('web/src/api/x.ts', "import { useConsoleData } from '../hooks/use-console-data';", /api\/ is the bottom layer/);
    await refused('web/src/api/x.ts', "import { errorText } from '../components/error-text';", /api\/ is the bottom layer/);
    await allowed('web/src/api/x.ts', "import { Emitter } from '../lifecycle/emitter';");
    await refused('client/src/x.ts', "import { buildApp } from '../../server/src/app.js';", /package of its own/);
    await allowed('client/src/x.ts', "import { SessionInfo } from '@sonde/shared';");
  });
});

describe('web layers', () => {
  it('a feature does not import another feature, at any depth', async () => {
    await refused('web/src/features/containers/X.tsx', "import { NetworkList } from '../networks/NetworkList';", /may not import another feature.*pages/);
    await refused('web/src/features/tools/results/R.tsx', "import { sessionTitle } from '../../sessions/session-labels';", /another feature/);
    await refused('web/src/features/tools/X.tsx', "import { x } from '../../features/sessions/x';", /another feature/);
    await allowed('web/src/features/tools/results/R.tsx', "import { formatMs } from '../../../components/format';\nimport { x } from '../chart-geometry';");
    await allowed('web/src/features/containers/X.tsx', "import { groupContainers } from './container-inventory';");
  });

  it('features act through hooks/, using api/ and @sonde/client for types only', async () => {
    await refused('web/src/features/tools/X.tsx', "import { Runs } from '../../api/runs';", /through hooks\//);
    await refused('web/src/features/tools/X.tsx', "import { isSondeApiError } from '@sonde/client';", /types only/);
    await allowed('web/src/features/tools/X.tsx', "import type { Runs } from '../../api/runs';\nimport type { SondeApiError } from '@sonde/client';");
    await allowed('web/src/features/tools/X.tsx', "import { useConsoleData } from '../../hooks/use-console-data';");
    // Tests build their fixtures as they need.
    await allowed('web/src/features/auth/x.test.ts', "import { SondeApiError } from '@sonde/client';");
  });

  it('features are composed by pages and app, pages by app only', async () => {
    await refused('web/src/features/tools/X.tsx', "import { ContainerPage } from '../../pages/ContainerPage';", /composed by pages/);
    await refused('web/src/pages/X.tsx', "import { Sidebar } from '../app/Sidebar';", /app\/ renders pages/);
    await allowed('web/src/pages/X.tsx', "import { ToolLauncher } from '../features/tools/ToolLauncher';");
    await allowed('web/src/app/X.tsx', "import { OverviewPage } from '../pages/OverviewPage';");
  });

  it('components have no API knowledge; hooks do not reach up into features', async () => {
    await refused('web/src/components/X.tsx', "import { useContainers } from '../hooks/use-console-data';", /no API knowledge/);
    await refused('web/src/components/X.tsx', "import { toApiError } from '../api/live-resource';", /no API knowledge/);
    await refused('web/src/components/X.tsx', "import type { SondeApiError } from '@sonde/client';", /no API knowledge/);
    await allowed('web/src/components/X.tsx', "import { Badge } from './Badge';");
    await refused('web/src/hooks/x.ts', "import { canOperate } from '../features/auth/permissions';", /hooks\/ is the React layer/);
  });
});

describe('untrusted JSON', () => {
  it('no casts of a reply body, wherever it is read', async () => {
    await refused('e2e/support/x.ts', 'export const a = async (r: Response) => (await r.json()) as { id: string };', /call the API through @sonde\/client/);
    await refused('server/test/x.test.ts', 'export const a = (r: { json(): unknown }) => r.json() as { id: string };', /untrusted JSON/);
    await refused('server/test/x.test.ts', 'export const a = (r: { json<T>(): T }) => r.json<{ id: string }>();', /untrusted JSON/);
    await refused('web/src/api/x.ts', 'export const a = async (r: Response) => <string[]>await r.json();', /untrusted JSON/);
    // Widening to unknown is where a check starts.
    await allowed('e2e/support/x.ts', 'export const a = async (r: Response) => (await r.json()) as unknown;');
  });

  it('no unchecked field reads of a reply body (inject()\'s json() is any)', async () => {
    await refused('server/test/x.test.ts', 'export const a = (r: { json(): any }) => r.json().error.code;', /Never read a field of it unchecked/);
    await refused('server/bench/x.ts', 'export const a = async (r: Response) => (await r.json()).length;', /Never read a field of it unchecked/);
    await refused('web/src/api/x.ts', 'export const a = async (r: Response) => (await r.json()).id;', /unchecked/);
    // Compared whole, or checked first.
    await allowed('server/test/x.test.ts', "import { expect } from 'vitest';\nexport const a = (r: { json(): unknown }) => expect(r.json()).toMatchObject({ error: { code: 'X' } });");
    await allowed('server/test/x.test.ts', "import { checked } from './support/api-client.js';\nimport { ErrorBody } from '@sonde/shared';\nexport const a = (r: { json(): unknown }) => checked(ErrorBody, r.json()).error.code;");
  });

  it('no casts of JSON.parse in web, client and e2e', async () => {
    await refused('web/src/features/x/y.ts', 'export const a = (s: string) => JSON.parse(s) as { id: string };', /Value\.Check/);
    await refused('e2e/tests/x.spec.ts', 'export const a = (s: string) => JSON.parse(s) as { id: string };', /Value\.Check/);
    await allowed('web/src/features/x/y.ts', 'export const a = (s: string): unknown => JSON.parse(s);');
  });
});
