import type { Participant, PresenceMessage } from '@sonde/shared';
import { describe, expect, it } from 'vitest';
import { giveKeyboard, orderParticipants, takeKeyboardBack } from './keyboard-handover';

const owner: Participant = { id: 'user:alice', name: 'alice', role: 'driver', owner: true, clients: 1 };
const viewerLink: Participant = { id: 'share:v', name: 'guest', role: 'viewer', owner: false, clients: 2, shareId: 'v' };
const driverLink: Participant = { id: 'share:d', name: 'pairing', role: 'driver', owner: false, clients: 1, shareId: 'd' };
const colleague: Participant = { id: 'user:bob', name: 'bob', role: 'viewer', owner: false, clients: 1 };

function presence(you: string, participants: Participant[]): PresenceMessage {
  const role = participants.find((p) => p.id === you)?.role ?? 'viewer';
  return { type: 'presence', you, role, participants };
}

describe('keyboard hand-over', () => {
  it('gives the keyboard: them driver, us viewer, in that order', () => {
    expect(giveKeyboard(presence('user:alice', [owner, viewerLink]), 'share:v')).toEqual([
      { participant: 'share:v', role: 'driver' },
      { participant: 'user:alice', role: 'viewer' },
    ]);
    expect(giveKeyboard(presence('user:alice', [owner]), 'user:alice')).toEqual([]);
  });

  it('takes it back from everyone but driver share links', () => {
    const now = presence('user:alice', [
      { ...owner, role: 'viewer' },
      { ...viewerLink, role: 'driver' },
      driverLink,
      { ...colleague, role: 'driver' },
    ]);
    expect(takeKeyboardBack(now, new Set(['d']))).toEqual([
      { participant: 'user:alice', role: 'driver' },
      { participant: 'share:v', role: 'viewer' },
      { participant: 'user:bob', role: 'viewer' },
    ]);
  });

  it('sends nothing for us when we already drive', () => {
    expect(takeKeyboardBack(presence('user:alice', [owner, colleague]), new Set())).toEqual([]);
  });

  it('orders the owner first, then drivers, then by name', () => {
    expect(orderParticipants([colleague, driverLink, viewerLink, owner]).map((p) => p.name)).toEqual(['alice', 'pairing', 'bob', 'guest']);
  });
});
