import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, defaultDataDir, parseConfig } from './config.js';

describe('parseConfig', () => {
  it('has safe defaults: loopback, port 8080, a generated token', () => {
    const config = parseConfig({});
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(8080);
    expect(config.token.generated).toBe(true);
    expect(config.token.value.length).toBeGreaterThanOrEqual(32);
    expect(config.toolboxImage).toBe('sonde-toolbox:latest');
    // One engine, named local, that docker-modem finds as the docker CLI would (DOCKER_HOST, or the socket).
    expect(config.engines).toEqual([{ name: 'local', kind: 'docker' }]);
    expect(config.allowedHosts).toEqual(['localhost', '127.0.0.1', '[::1]']);
  });

  it('reads every variable', () => {
    const config = parseConfig({
      SONDE_HOST: '0.0.0.0',
      SONDE_PORT: '9000',
      SONDE_TOKEN: 'a-long-enough-token',
      SONDE_TOOLBOX_IMAGE: 'nicolaka/netshoot:latest',
      SONDE_DATA_DIR: '/tmp/sonde-data',
      DOCKER_HOST: 'tcp://127.0.0.1:2375',
      SONDE_ALLOWED_HOSTS: 'sonde.example.com, ops.example.com',
      SONDE_DETACHED_GRACE_SECONDS: '5',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      token: { value: 'a-long-enough-token', generated: false },
      toolboxImage: 'nicolaka/netshoot:latest',
      dataDir: '/tmp/sonde-data',
      engines: [{ name: 'local', kind: 'docker' }],
      detachedGraceMs: 5000,
    });
    expect(config.allowedHosts).toContain('sonde.example.com');
    expect(config.allowedHosts).toContain('ops.example.com');
  });

  it('pulls a missing toolbox image by default, except the built-in one (no registry has it) or with SONDE_TOOLBOX_PULL=never', () => {
    const pull = (env: Record<string, string>) => parseConfig({ SONDE_TOKEN: 'a-long-enough-token', ...env }).toolboxPull;
    expect(pull({ SONDE_TOOLBOX_IMAGE: 'nicolaka/netshoot' })).toBe(true);
    expect(pull({ SONDE_TOOLBOX_IMAGE: 'nicolaka/netshoot', SONDE_TOOLBOX_PULL: 'missing' })).toBe(true);
    expect(pull({ SONDE_TOOLBOX_IMAGE: 'nicolaka/netshoot', SONDE_TOOLBOX_PULL: 'never' })).toBe(false);
    expect(pull({})).toBe(false);
    expect(pull({ SONDE_TOOLBOX_IMAGE: 'sonde-toolbox:dev' })).toBe(false);
  });

  it.each([
    ['SONDE_PORT', 'eighty'],
    ['SONDE_PORT', '70000'],
    ['SONDE_TOKEN', 'short'],
    ['SONDE_TOOLBOX_IMAGE', 'bad image; rm -rf /'],
    ['SONDE_TOOLBOX_PULL', 'always'],
    ['SONDE_HOST', 'evil host'],
    ['SONDE_INSTANCE', '../../etc'],
    ['SONDE_LOG_LEVEL', 'verbose'],
    ['DOCKER_HOST', 'not a url'],
    ['DOCKER_HOST', 'http://127.0.0.1:2375'],
    ['DOCKER_CERT_PATH', '/nonexistent/certs'],
    ['SONDE_ENGINES', '{"name":"a"}'],
    ['SONDE_ENGINES', 'not json'],
    ['SONDE_ENGINES_FILE', '/nonexistent/engines.json'],
    ['SONDE_SWARM_NODE_ENGINE', 'tcp://node:2376'],
    ['SONDE_PUBLIC_URL', 'ftp://sonde.example.com'],
    ['SONDE_RECORDING_FAILURE', 'maybe'],
    ['SONDE_TLS_CERT', '/etc/sonde/cert.pem'],
    ['SONDE_TLS_PROXY', 'yes'],
    ['SONDE_TRUSTED_PROXIES', '10.0.0.0/8'],
    ['SONDE_LOG_LEVEL', 'loud'],
    ['SONDE_DETACHED_GRACE_SECONDS', '-1'],
    ['SONDE_IDLE_TIMEOUT_SECONDS', '604801'],
    ['SONDE_MAX_SESSIONS', '0'],
    ['SONDE_MAX_TOOLBOXES', '20001'],
    ['SONDE_MAX_SESSIONS_PER_USER', '0'],
    ['SONDE_MAX_RUNS_PER_USER', '1.5'],
    ['SONDE_MAX_CAPTURES_PER_USER', '1001'],
    ['SONDE_MAX_DIAGNOSES_PER_USER', '0'],
    ['SONDE_MATRIX_MAX_MEMBERS', '1'],
    ['SONDE_MAX_STREAMS_PER_USER', '0'],
    ['SONDE_MAX_SOCKETS_PER_SESSION', '0'],
    ['SONDE_TOOLBOX_MEMORY_MB', '31'],
    ['SONDE_TOOLBOX_PIDS', '15'],
    ['SONDE_TOOLBOX_CPU_MILLIS', '99'],
    ['SONDE_DATA_DIR', '/etc/hostname/x'],
    ['SONDE_WEB_DIR', '/nonexistent/web'],
    ['SONDE_ALLOWED_HOSTS', 'https://sonde.example.com'],
    ['SONDE_ALLOWED_ORIGINS', 'dash.example.com'],
    ['SONDE_ALLOWED_ORIGINS', 'https://dash.example.com/path'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    expect(() => parseConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ [name]: value })).toThrow(name);
  });

  it('reads the token from SONDE_TOKEN_FILE (a Compose or Docker secret): its first line, checked like SONDE_TOKEN', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sonde-token-'));
    try {
      const file = path.join(dir, 'token');
      writeFileSync(file, 'a-long-enough-secret-token\nignored second line\n');
      expect(parseConfig({ SONDE_TOKEN_FILE: file }).token).toEqual({ value: 'a-long-enough-secret-token', generated: false });
      // An empty SONDE_TOKEN beside it is "unset", as Compose passes an unset variable.
      expect(parseConfig({ SONDE_TOKEN_FILE: file, SONDE_TOKEN: '' }).token.value).toBe('a-long-enough-secret-token');
      const refused = (env: Record<string, string>, sentence: string) => {
        expect(() => parseConfig(env)).toThrow(ConfigError);
        expect(() => parseConfig(env)).toThrow(sentence);
      };
      refused({ SONDE_TOKEN_FILE: file, SONDE_TOKEN: 'another-long-enough-token' }, 'SONDE_TOKEN_FILE: set SONDE_TOKEN or SONDE_TOKEN_FILE, not both');
      refused({ SONDE_TOKEN_FILE: path.join(dir, 'missing') }, `SONDE_TOKEN_FILE: cannot read ${path.join(dir, 'missing')} (ENOENT)`);
      writeFileSync(file, 'short\n');
      refused({ SONDE_TOKEN_FILE: file }, 'SONDE_TOKEN_FILE: must be at least 16 characters long');
      writeFileSync(file, '\n');
      refused({ SONDE_TOKEN_FILE: file }, 'is empty: its first line is the token');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads engines from SONDE_ENGINES, each checked and named in any error', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sonde-tls-'));
    for (const f of ['ca.pem', 'cert.pem', 'key.pem', 'known_hosts', 'agent.sock']) writeFileSync(path.join(dir, f), 'x');
    const ssh = { SSH_AUTH_SOCK: path.join(dir, 'agent.sock'), SONDE_SSH_KNOWN_HOSTS: path.join(dir, 'known_hosts') };
    const config = parseConfig({
      ...ssh,
      SONDE_ENGINES: JSON.stringify([
        { name: 'edge-1', host: 'tcp://10.0.0.5:2376', tlsDir: dir },
        { name: 'local', host: 'unix:///var/run/docker.sock' },
        { name: 'lab', host: 'ssh://ops@lab-3' },
      ]),
      SONDE_SWARM_NODE_ENGINE: 'tcp://{address}:2376',
      SONDE_SWARM_NODE_TLS_DIR: dir,
    });
    expect(config.engines).toEqual([
      { name: 'edge-1', kind: 'docker', host: 'tcp://10.0.0.5:2376', tlsDir: dir },
      { name: 'local', kind: 'docker', host: 'unix:///var/run/docker.sock' },
      { name: 'lab', kind: 'docker', host: 'ssh://ops@lab-3' },
    ]);
    expect(config.swarmNodeEngine).toEqual({ host: 'tcp://{address}:2376', tlsDir: dir });
    expect(config.ssh).toEqual({ agentSocket: ssh.SSH_AUTH_SOCK, knownHostsFile: ssh.SONDE_SSH_KNOWN_HOSTS });
    const refused = (engines: unknown, field: string, env: Record<string, string> = ssh) => {
      expect(() => parseConfig({ ...env, SONDE_ENGINES: JSON.stringify(engines) })).toThrow(field);
    };
    refused([{ name: 'Edge_1', host: 'tcp://h:2375' }], 'SONDE_ENGINES[0].name');
    refused([{ name: 'a', host: 'tcp://h:2375' }, { name: 'a', host: 'tcp://g:2375' }], 'SONDE_ENGINES[1].name');
    refused([{ name: 'a', host: 'ftp://h' }], 'SONDE_ENGINES[0].host');
    refused([{ name: 'a' }], 'SONDE_ENGINES[0].host');
    refused([{ name: 'a', host: 'tcp://h:2376', tlsDir: '/nonexistent' }], 'SONDE_ENGINES[0].tlsDir');
    refused([{ name: 'a', host: 'tcp://h:2376', colour: 'blue' }], 'SONDE_ENGINES[0].colour');
    refused([], 'SONDE_ENGINES');
    // ssh: docker-modem's client needs a user in the URL and a key in an agent; the host key must be listed.
    refused([{ name: 'a', host: 'ssh://lab-3' }], 'SONDE_ENGINES[0].host: "ssh://lab-3" names no user');
    refused([{ name: 'a', host: 'ssh://ops:secret@lab-3' }], 'carries a password');
    refused([{ name: 'a', host: 'ssh://ops@lab-3' }], 'SSH_AUTH_SOCK: ssh:// engines authenticate with a key held by an ssh-agent', {});
    refused([{ name: 'a', host: 'ssh://ops@lab-3' }], 'SSH_AUTH_SOCK: /nonexistent/agent.sock does not exist', { ...ssh, SSH_AUTH_SOCK: '/nonexistent/agent.sock' });
    refused([{ name: 'a', host: 'ssh://ops@lab-3' }], 'SONDE_SSH_KNOWN_HOSTS: /nonexistent/known_hosts is missing', { ...ssh, SONDE_SSH_KNOWN_HOSTS: '/nonexistent/known_hosts' });
    expect(() => parseConfig({ SONDE_SWARM_NODE_ENGINE: 'ssh://root@{address}' })).toThrow('SSH_AUTH_SOCK');
    expect(parseConfig({ ...ssh, DOCKER_HOST: 'ssh://ops@lab-3' }).engines).toEqual([{ name: 'local', kind: 'docker', host: 'ssh://ops@lab-3' }]);
    expect(parseConfig({ SONDE_ENGINES: JSON.stringify([{ name: 'a', host: 'tcp://h:2375' }]) }).ssh).toBeUndefined();
    const file = path.join(dir, 'engines.json');
    writeFileSync(file, JSON.stringify([{ name: 'from-file', host: 'tcp://h:2375' }]));
    expect(parseConfig({ SONDE_ENGINES_FILE: file }).engines).toEqual([{ name: 'from-file', kind: 'docker', host: 'tcp://h:2375' }]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps its data in a place that does not depend on the working directory', () => {
    expect(defaultDataDir({ HOME: '/home/ops' }, 0)).toBe('/var/lib/sonde');
    expect(defaultDataDir({ HOME: '/home/ops' }, 1000)).toBe('/home/ops/.local/state/sonde');
    expect(defaultDataDir({ HOME: '/home/ops', XDG_STATE_HOME: '/state' }, 1000)).toBe('/state/sonde');
    expect(defaultDataDir({ HOME: '/home/ops', XDG_STATE_HOME: 'relative' }, 1000)).toBe('/home/ops/.local/state/sonde');
    expect(path.isAbsolute(parseConfig({ HOME: '/tmp' }).dataDir)).toBe(true);
  });

  it('reads Kubernetes clusters from SONDE_ENGINES: a kubeconfig and context, or in-cluster', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sonde-kube-'));
    const kubeconfig = path.join(dir, 'config');
    writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\n');
    const config = parseConfig({
      SONDE_ENGINES: JSON.stringify([
        { name: 'local', host: 'unix:///var/run/docker.sock' },
        { name: 'prod', kind: 'kubernetes', kubeconfig, context: 'prod-admin', namespace: 'sonde' },
        { name: 'in', kind: 'kubernetes', inCluster: true },
      ]),
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      SONDE_K8S_TOOLBOX_IMAGE: 'registry.example.com/netshoot:v0.13',
    });
    expect(config.engines).toEqual([
      { name: 'local', kind: 'docker', host: 'unix:///var/run/docker.sock' },
      { name: 'prod', kind: 'kubernetes', kubeconfig, context: 'prod-admin', namespace: 'sonde' },
      { name: 'in', kind: 'kubernetes', inCluster: true },
    ]);
    expect(config.kubernetesToolboxImage).toBe('registry.example.com/netshoot:v0.13');
    expect(parseConfig({}).kubernetesToolboxImage).toBe('nicolaka/netshoot');
    const refused = (engines: unknown, field: string, env: Record<string, string> = {}) => {
      expect(() => parseConfig({ SONDE_ENGINES: JSON.stringify(engines), ...env })).toThrow(field);
    };
    refused([{ name: 'k', kind: 'kubernetes' }], 'either "kubeconfig" (a file) or "inCluster": true');
    refused([{ name: 'k', kind: 'kubernetes', kubeconfig, inCluster: true }], 'SONDE_ENGINES[0]');
    refused([{ name: 'k', kind: 'kubernetes', kubeconfig: '/nonexistent/kubeconfig' }], 'SONDE_ENGINES[0].kubeconfig');
    refused([{ name: 'k', kind: 'kubernetes', inCluster: true }], 'SONDE_ENGINES[0].inCluster: KUBERNETES_SERVICE_HOST');
    refused([{ name: 'k', kind: 'kubernetes', kubeconfig, host: 'tcp://h:2375' }], 'SONDE_ENGINES[0].host');
    refused([{ name: 'k', kind: 'kubernetes', kubeconfig, namespace: 'Not_A_Namespace' }], 'SONDE_ENGINES[0].namespace');
    refused([{ name: 'k', kind: 'nomad', host: 'tcp://h:2375' }], 'SONDE_ENGINES[0].kind');
    expect(() => parseConfig({ SONDE_K8S_TOOLBOX_IMAGE: 'bad image' })).toThrow('SONDE_K8S_TOOLBOX_IMAGE');
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads exactly the variables the configuration table of README.md lists', () => {
    const read = new Set<string>();
    const env = new Proxy({} as Record<string, string | undefined>, {
      get: (_target, name) => {
        if (typeof name === 'string') read.add(name);
        return undefined;
      },
    });
    parseConfig(env);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1));
    const listed = new Set([...table.matchAll(/^\| (.+?) \|/gm)].flatMap((row) => [...row[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!)));
    expect([...listed].sort()).toEqual([...read].sort());
  });
});
