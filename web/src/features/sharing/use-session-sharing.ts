import type { Participant, PresenceMessage, SessionInfo } from '@sonde/shared';
import { useCallback, useEffect, useState } from 'react';
import { useConsoleData, usePermissions } from '../../hooks/use-console-data';
import type { TtyConnection } from '@sonde/client';
import { driverLinkIds, giveKeyboard, takeKeyboardBack, type RoleChange } from './keyboard-handover';

/** How long the "you are watching" hint stays after a keystroke was dropped. */
const READ_ONLY_HINT_MS = 4000;

export interface SessionSharing {
  /** Latest presence of this page's terminal connection; null until the server sent one. */
  presence: PresenceMessage | null;
  /** The owner or an admin: may hand the keyboard over and create share links. */
  canManage: boolean;
  /** We only watch: the terminal drops our keystrokes. */
  readOnly: boolean;
  /** True for a moment after we typed while read-only. */
  typedWhileReadOnly: boolean;
  /** Participants on a driver share link: typing is what their link is for, so they keep the keyboard. */
  isOnDriverLink(participant: Participant): boolean;
  giveKeyboard(participant: string): Promise<void>;
  takeKeyboardBack(): Promise<void>;
}

/**
 * Presence and keyboard hand-over for one session pane, over the connection its TerminalView
 * opened (undefined until the view reports it).
 */
export function useSessionSharing(session: SessionInfo, connection: TtyConnection | undefined): SessionSharing {
  const data = useConsoleData();
  const [presence, setPresence] = useState<PresenceMessage | null>(null);
  const [typedWhileReadOnly, setTypedWhileReadOnly] = useState(false);
  /** Ids of this session's driver share links, as far as we have looked them up. */
  const [driverLinks, setDriverLinks] = useState<{ known: ReadonlySet<string>; drivers: ReadonlySet<string> }>({
    known: new Set(),
    drivers: new Set(),
  });
  const canManage = usePermissions().canManage(session);

  useEffect(() => {
    setPresence(connection?.presence ?? null);
    if (!connection) return;
    let hintTimer: ReturnType<typeof setTimeout> | undefined;
    const subscriptions = [
      connection.events.on('presence', setPresence),
      connection.events.on('readOnlyInput', () => {
        setTypedWhileReadOnly(true);
        clearTimeout(hintTimer);
        hintTimer = setTimeout(() => setTypedWhileReadOnly(false), READ_ONLY_HINT_MS);
      }),
    ];
    return () => {
      clearTimeout(hintTimer);
      for (const subscription of subscriptions) subscription.dispose();
    };
  }, [connection]);

  // Presence names a participant's link but not its role; the owner's share list has it.
  const unknownLink = canManage && presence?.participants.some((p) => p.shareId !== undefined && !driverLinks.known.has(p.shareId));
  useEffect(() => {
    if (!unknownLink) return;
    let current = true;
    data.shares
      .list(session.id)
      .then((links) => {
        if (!current) return;
        setDriverLinks({ known: new Set(links.map((l) => l.id)), drivers: driverLinkIds(links) });
      })
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [data, session.id, unknownLink]);

  const send = useCallback(
    (changes: RoleChange[]) => {
      for (const change of changes) {
        if (!connection?.setRole(change.participant, change.role)) throw new Error('The terminal is not connected; try again once it is.');
      }
    },
    [connection],
  );

  const give = useCallback(
    async (participant: string) => {
      if (presence) send(giveKeyboard(presence, participant));
    },
    [presence, send],
  );

  const takeBack = useCallback(async () => {
    if (!presence) return;
    // Driver share links keep typing (that is what they were made for); which links those are
    // only the share list says.
    const links = await data.shares.list(session.id).catch(() => []);
    send(takeKeyboardBack(presence, driverLinkIds(links)));
  }, [data, presence, send, session.id]);

  return {
    presence,
    canManage,
    isOnDriverLink: (participant) => participant.shareId !== undefined && driverLinks.drivers.has(participant.shareId),
    readOnly: presence?.role === 'viewer',
    typedWhileReadOnly,
    giveKeyboard: give,
    takeKeyboardBack: takeBack,
  };
}
