import { describe, expect, it } from 'vitest';
import { hostKeyCheck, knownHostsName } from './known-hosts.js';

// Keys and lines made with OpenSSH 9 (ssh-keygen -t ed25519 / -t ecdsa; `ssh-keygen -H` hashed the
// names lab-3 and [lab-4]:2222), so the hashed form is OpenSSH's own, not ours.
const HOST_ED25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAILo8ZLu6uIXwY1tc40cuwoTR5NBGoLUi3Auhtjy/8gb1';
const HOST_ED25519_FINGERPRINT = 'SHA256:f6iXhUSdc7FZQ6p6CdzDYsiWUq7m3+qvliXU5iS7Vxw';
const OTHER_ED25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAIDom9+CgindW001sGrak9qpASSA3WVEBDqUUJyGgybHI';
const HOST_ECDSA = 'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBKMiRzGaJZd3HUzCGnuLFe8Iyie2CPAWi6tNzp0x3iiYGpJdUsqX4/NSQKky/7cOp+X+FLU1i4XY6LP+JaCSeyg=';
const HASHED = [
  `|1|cqla0oGhBGQEV39ABq5MbGBkAGk=|yISrHJBNMEFU/BHz1m70hmW3w9g= ssh-ed25519 ${HOST_ED25519}`,
  `|1|jyu6C5UOzVIlGPGkeq2E0x3qbew=|qz977XfgTWmHE6ysNKCJ2gPY0Gw= ecdsa-sha2-nistp256 ${HOST_ECDSA}`,
].join('\n');

const blob = (base64: string) => Buffer.from(base64, 'base64');
const reasonOf = (verdict: { ok: true } | { ok: false; reason: string }) => (verdict.ok ? 'accepted' : verdict.reason);
const FILE = '/home/ops/.ssh/known_hosts';

describe('known_hosts host key check (what docker-modem leaves out for ssh:// engines)', () => {
  it('names a host as OpenSSH writes it: bare on port 22, [host]:port otherwise', () => {
    expect(knownHostsName('lab-3', 22)).toBe('lab-3');
    expect(knownHostsName('10.0.0.7', 2222)).toBe('[10.0.0.7]:2222');
  });

  it('accepts the listed key of a plain entry and offers only its algorithm', () => {
    const check = hostKeyCheck(`# a comment\n\nlab-3,10.0.0.7 ssh-ed25519 ${HOST_ED25519} ops@laptop\n`, 'lab-3', 22, FILE);
    expect(check.verify(blob(HOST_ED25519))).toEqual({ ok: true });
    expect(check.algorithms).toEqual(['ssh-ed25519']);
    expect(hostKeyCheck(`lab-3,10.0.0.7 ssh-ed25519 ${HOST_ED25519}`, '10.0.0.7', 22, FILE).verify(blob(HOST_ED25519)).ok).toBe(true);
  });

  it('refuses another key for a listed host, saying it changed, with the presented fingerprint', () => {
    const verdict = hostKeyCheck(`lab-3 ssh-ed25519 ${OTHER_ED25519}`, 'lab-3', 22, FILE).verify(blob(HOST_ED25519));
    expect(verdict).toEqual({ ok: false, reason: expect.stringContaining('is not the one in /home/ops/.ssh/known_hosts') });
    expect(reasonOf(verdict)).toContain(`ssh-ed25519 ${HOST_ED25519_FINGERPRINT}`);
  });

  it('refuses a host that is not listed, saying how to add it', () => {
    const check = hostKeyCheck(`lab-9 ssh-ed25519 ${HOST_ED25519}`, 'lab-3', 22, FILE);
    expect(check.algorithms).toBeUndefined();
    const verdict = check.verify(blob(HOST_ED25519));
    expect(reasonOf(verdict)).toContain(`lab-3 is not in ${FILE}`);
    expect(reasonOf(verdict)).toContain(`ssh-keyscan lab-3 >> ${FILE}`);
    expect(reasonOf(hostKeyCheck('', 'lab-4', 2222, FILE).verify(blob(HOST_ECDSA)))).toContain('[lab-4]:2222 is not in');
    expect(reasonOf(hostKeyCheck('', 'lab-4', 2222, FILE).verify(blob(HOST_ECDSA)))).toContain('ssh-keyscan -p 2222 lab-4');
  });

  it("matches OpenSSH's hashed names, and [host]:port for other ports only", () => {
    expect(hostKeyCheck(HASHED, 'lab-3', 22, FILE).verify(blob(HOST_ED25519)).ok).toBe(true);
    const port2222 = hostKeyCheck(HASHED, 'lab-4', 2222, FILE);
    expect(port2222.verify(blob(HOST_ECDSA)).ok).toBe(true);
    expect(port2222.algorithms).toEqual(['ecdsa-sha2-nistp256']);
    // The same host on port 22 is another entry, which the file does not have.
    expect(hostKeyCheck(HASHED, 'lab-4', 22, FILE).keys).toEqual([]);
    expect(hostKeyCheck(HASHED, 'lab-3', 2222, FILE).keys).toEqual([]);
  });

  it('honours wildcards and negation', () => {
    const text = `*.lab.example,!db.lab.example ssh-ed25519 ${HOST_ED25519}\n10.0.0.? ssh-ed25519 ${OTHER_ED25519}`;
    expect(hostKeyCheck(text, 'edge.lab.example', 22, FILE).keys).toHaveLength(1);
    expect(hostKeyCheck(text, 'EDGE.Lab.Example', 22, FILE).keys).toHaveLength(1);
    expect(hostKeyCheck(text, 'db.lab.example', 22, FILE).keys).toEqual([]);
    expect(hostKeyCheck(text, '10.0.0.5', 22, FILE).keys).toEqual([{ type: 'ssh-ed25519', blob: OTHER_ED25519 }]);
    expect(hostKeyCheck(text, '10.0.0.50', 22, FILE).keys).toEqual([]);
    // A dot in a pattern is a dot, not "any character".
    expect(hostKeyCheck(`lab.3 ssh-ed25519 ${HOST_ED25519}`, 'lab-3', 22, FILE).keys).toEqual([]);
  });

  it('refuses a @revoked key even when a plain line lists it; ignores @cert-authority lines', () => {
    const text = `lab-3 ssh-ed25519 ${HOST_ED25519}\n@revoked * ssh-ed25519 ${HOST_ED25519}\n@cert-authority *.lab ssh-ed25519 ${OTHER_ED25519}`;
    const check = hostKeyCheck(text, 'lab-3', 22, FILE);
    expect(check.keys).toEqual([]);
    expect(check.verify(blob(HOST_ED25519))).toEqual({ ok: false, reason: expect.stringContaining('marked @revoked') });
    expect(hostKeyCheck(text, 'x.lab', 22, FILE).keys).toEqual([]);
  });

  it('offers every algorithm of the known keys, RSA with SHA-2 first', () => {
    const text = `lab-3 ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7\nlab-3 ssh-ed25519 ${HOST_ED25519}`;
    expect(hostKeyCheck(text, 'lab-3', 22, FILE).algorithms).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519']);
  });
});
