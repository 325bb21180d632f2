/**
 * Glue between one xterm.js Terminal and one TtyConnection: output with write callbacks (for
 * acks), input, resize, links, search and the keyboard shortcuts. Framework-free, so the React
 * view only mounts it and forwards state.
 */
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { TtyConnection, binaryStringToBytes, type TtySocket, type TtyState } from '@sonde/client';
import { DisposableStore, type Disposable } from '../lifecycle/disposable';
import { takeEarlySocket } from './early-sockets';
import { openTerminalLink } from './link-policy';
import { pasteText } from './paste-policy';
import { RESYNC_NOTICE, terminalNotice } from './terminal-notice';
import { TERMINAL_THEMES, type TerminalScheme } from './terminal-themes';
import { touchKeyBytes, withControl, type TouchKey } from './touch-keys';

/** Coalesces the burst of ResizeObserver callbacks while a window or panel is being dragged. */
const RESIZE_DEBOUNCE_MS = 50;

/** OSC 52 lets a program write the clipboard; output from a shell must never do that. */
const OSC_CLIPBOARD = 52;


export interface SearchOptions {
  caseSensitive: boolean;
  /** While typing: extend the current match instead of jumping to the next one. */
  incremental?: boolean;
}

export interface TerminalBindingOptions {
  /** Element the terminal renders into; the binding watches its size. */
  element: HTMLElement;
  /** ws(s) URL of the session's terminal socket. */
  url: string;
  /** The page's colour scheme at creation (setScheme follows later changes); dark by default. */
  scheme?: TerminalScheme;
  onState(state: TtyState): void;
  /** The user pressed the find shortcut inside the terminal. */
  onFindRequest(): void;
  /** See TtyConnectionOptions.confirmSession. */
  confirmSession?: () => Promise<boolean>;
  createSocket?: (url: string) => TtySocket;
  /** See TtyConnectionOptions.protocols (an embed page's credential). */
  protocols?: readonly string[];
  /**
   * `run`: the output of a tool run, which is read-only (the server ignores input and resizes,
   * so none are sent) and "exits" as a tool rather than a shell. Default `session`.
   */
  kind?: 'session' | 'run';
}

export class TerminalBinding implements Disposable {
  private readonly terminal: Terminal;
  private readonly fitAddon = new FitAddon();
  private readonly searchAddon = new SearchAddon();
  /** The socket side, for session UI that speaks the protocol too (presence, keyboard hand-over). */
  readonly connection: TtyConnection;
  private readonly cleanup = new DisposableStore();
  private resizeTimer: ReturnType<typeof setTimeout> | undefined;
  private controlLatch: (() => void) | undefined;

  constructor(private readonly options: TerminalBindingOptions) {
    const terminal = new Terminal({
      fontFamily: 'ui-monospace, "SF Mono", "Cascadia Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace',
      fontSize: 13,
      lineHeight: 1.15,
      scrollback: 10000,
      cursorBlink: options.kind !== 'run',
      disableStdin: options.kind === 'run',
      theme: TERMINAL_THEMES[options.scheme ?? 'dark'],
      // Window reports (title, icon name, pixel sizes) and manipulation stay off: a title report
      // types text the program chose into the shell. This is xterm.js's default, stated on purpose.
      windowOptions: {},
      // OSC 8 hyperlinks follow the same policy as detected URLs.
      linkHandler: { activate: (_event, uri) => void openTerminalLink(uri), allowNonHttpProtocols: false },
    });
    this.terminal = terminal;
    this.cleanup.add(terminal);

    terminal.loadAddon(this.fitAddon);
    terminal.loadAddon(this.searchAddon);
    terminal.loadAddon(new WebLinksAddon((_event, uri) => void openTerminalLink(uri)));
    // Returning true marks the sequence handled, so xterm's own handling never runs.
    this.cleanup.add(terminal.parser.registerOscHandler(OSC_CLIPBOARD, () => true));
    terminal.attachCustomKeyEventHandler((event) => this.onKey(event));

    const connection = new TtyConnection({
      url: options.url,
      onOutput: (bytes, processed) => terminal.write(bytes, processed),
      ...(options.confirmSession ? { confirmSession: options.confirmSession } : {}),
      // A socket opened before this view (a deep link's, a new session's) is taken when it waits.
      ...(options.createSocket
        ? { createSocket: options.createSocket }
        : options.protocols
          ? {}
          : { createSocket: (url: string) => takeEarlySocket(url) ?? new WebSocket(url) }),
      ...(options.protocols ? { protocols: options.protocols } : {}),
    });
    this.connection = connection;
    // Registered before the terminal so it is disposed first (reverse order): no ack or input
    // is sent by a connection whose terminal is gone.
    this.cleanup.add(connection);

    let previous: TtyState = connection.state;
    this.cleanup.add(
      connection.events.on('state', (state) => {
        this.printStateChange(previous, state);
        previous = state;
        options.onState(state);
      }),
    );
    this.cleanup.add(connection.events.on('resynced', () => terminal.write(RESYNC_NOTICE)));
    this.cleanup.add(connection.events.on('notice', (notice) => terminal.write(terminalNotice(notice.message))));
    // Connected before the terminal is laid out: the handshake and the server's replay travel
    // while xterm.js builds its screen, and nothing arrives before this constructor returns. The
    // size measured below goes with the server's hello (TtyConnection.resize keeps it until then).
    connection.connect();

    const interactive = options.kind !== 'run';
    if (interactive) {
      this.cleanup.add(
        terminal.onData((data) => {
          // The on-screen Ctrl latch applies to the next input, typed or tapped, then lets go.
          const latch = this.controlLatch;
          this.controlLatch = undefined;
          if (latch) latch();
          connection.sendInput(latch ? withControl(data) : data);
        }),
      );
      this.cleanup.add(terminal.onBinary((data) => connection.sendBytes(binaryStringToBytes(data))));
      this.cleanup.add(terminal.onResize(({ cols, rows }) => connection.resize(cols, rows)));
      // xterm.js brackets a paste without looking inside it. Capturing on the container runs
      // before xterm's own listeners (on its textarea and element, both inside it), so every
      // paste (keyboard, menu, middle click) goes through pasteText first.
      const onPaste = (event: ClipboardEvent): void => {
        const text = event.clipboardData?.getData('text/plain');
        if (text === undefined) return;
        event.preventDefault();
        event.stopImmediatePropagation();
        terminal.paste(pasteText(text, terminal.modes.bracketedPasteMode));
      };
      options.element.addEventListener('paste', onPaste, { capture: true });
      this.cleanup.add(() => options.element.removeEventListener('paste', onPaste, { capture: true }));
    }

    terminal.open(options.element);
    // A run's output is read-only: no cursor to suggest otherwise (DECTCEM hide).
    if (options.kind === 'run') terminal.write('\u001b[?25l');
    const observer = new ResizeObserver(() => this.scheduleFit());
    observer.observe(options.element);
    this.cleanup.add(() => observer.disconnect());
    // A phone turned sideways: some browsers report the new size only after the rotation ends.
    const onOrientation = (): void => this.scheduleFit();
    window.addEventListener('orientationchange', onOrientation);
    this.cleanup.add(() => window.removeEventListener('orientationchange', onOrientation));
    this.cleanup.add(() => clearTimeout(this.resizeTimer));

    this.fit();
    if (interactive) connection.resize(terminal.cols, terminal.rows);
  }

  focus(): void {
    this.terminal.focus();
  }

  /** The page switched between light and dark: the palette follows, the contents stay. */
  setScheme(scheme: TerminalScheme): void {
    this.terminal.options.theme = TERMINAL_THEMES[scheme];
  }

  /** An on-screen key (touch devices): sent as if typed, through xterm's own input path. */
  pressKey(key: TouchKey): void {
    this.terminal.input(touchKeyBytes(key, this.terminal.modes.applicationCursorKeysMode), true);
  }

  /**
   * Latches Ctrl for the next input (on-screen Ctrl of a touch device); `onRelease` runs when
   * that input has used it. Latching again replaces the previous latch; `false` releases it.
   */
  latchControl(on: boolean, onRelease: () => void = () => undefined): void {
    this.controlLatch = on ? onRelease : undefined;
  }

  findNext(query: string, options: SearchOptions): boolean {
    return (
      query.length > 0 &&
      this.searchAddon.findNext(query, { caseSensitive: options.caseSensitive, incremental: options.incremental ?? false })
    );
  }

  findPrevious(query: string, options: SearchOptions): boolean {
    return query.length > 0 && this.searchAddon.findPrevious(query, { caseSensitive: options.caseSensitive });
  }

  clearSearch(): void {
    this.searchAddon.clearDecorations();
    this.terminal.clearSelection();
  }

  dispose(): void {
    this.cleanup.dispose();
  }

  private scheduleFit(): void {
    clearTimeout(this.resizeTimer);
    this.resizeTimer = setTimeout(() => this.fit(), RESIZE_DEBOUNCE_MS);
  }

  private fit(): void {
    if (this.cleanup.isDisposed) return;
    // A hidden tab has no size; fitting it would shrink the remote terminal to 2 columns.
    const { clientWidth, clientHeight } = this.options.element;
    if (clientWidth === 0 || clientHeight === 0) return;
    this.fitAddon.fit();
  }

  private onKey(event: KeyboardEvent): boolean {
    const command = (event.ctrlKey || event.metaKey) && event.shiftKey && !event.altKey;
    if (!command) return true;
    switch (event.code) {
      case 'KeyF':
        if (event.type === 'keydown') {
          event.preventDefault();
          this.options.onFindRequest();
        }
        return false;
      case 'KeyC':
        // Ctrl+Shift+C is the terminal copy shortcut (Ctrl+C belongs to the shell).
        if (event.type === 'keydown') {
          event.preventDefault();
          const selection = this.terminal.getSelection();
          if (selection) void navigator.clipboard?.writeText(selection).catch(() => undefined);
        }
        return false;
      case 'KeyV':
        // Not handled by xterm, so the browser fires its paste event (see onPaste).
        return false;
      case 'KeyK':
        // The documented escape (app/shortcuts.ts): leave the terminal so the page's shortcuts apply.
        if (event.type === 'keydown') {
          event.preventDefault();
          this.terminal.blur();
        }
        return false;
      default:
        return true;
    }
  }

  private printStateChange(previous: TtyState, state: TtyState): void {
    switch (state.kind) {
      case 'connecting':
        return;
      case 'open':
        if (state.resumed) this.terminal.write(terminalNotice('reconnected'));
        return;
      case 'reconnecting':
        // Once per outage, not once per attempt.
        if (previous.kind === 'open') this.terminal.write(terminalNotice(`${state.reason}; reconnecting…`));
        return;
      case 'exited': {
        // The server reports -1 when the session ended without a shell exit status (closed, lost).
        if (this.options.kind === 'run') {
          // A tool's own exit needs no reason; one ended from outside says why (cancelled, limit…).
          this.terminal.write(terminalNotice(state.code >= 0 ? `tool exited (code ${state.code})` : `tool stopped: ${state.reason ?? 'ended'}`));
          return;
        }
        const what = state.code >= 0 ? `session exited (code ${state.code})` : 'session ended';
        this.terminal.write(terminalNotice(state.reason ? `${what}: ${state.reason}` : what));
        return;
      }
      case 'closed':
        this.terminal.write(terminalNotice(`connection closed: ${state.reason}`));
        return;
      case 'error':
        this.terminal.write(terminalNotice(`error: ${state.message}`));
        return;
      default: {
        const unexpected: never = state;
        return unexpected;
      }
    }
  }
}
