import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import { useColorScheme } from '../../components/use-color-scheme';
import { openTerminalLink } from '../../terminal/link-policy';
import { TERMINAL_THEMES } from '../../terminal/terminal-themes';
import { formatPlaybackTime, timelinePercent, type Cast } from './cast';
import { CastPlayer, PLAYBACK_SPEEDS, type PlayerState } from './cast-player';

/** OSC 52 lets output write the clipboard; a replayed shell must not do that to the viewer. */
const OSC_CLIPBOARD = 52;

interface RecordingPlayerProps {
  cast: Cast;
  downloadUrl: string;
  downloadName: string;
}

/** Replays a cast in a read-only terminal at its recorded size, with play/pause, seek and speed. */
export function RecordingPlayer({ cast, downloadUrl, downloadName }: RecordingPlayerProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const [player, setPlayer] = useState<CastPlayer | null>(null);
  const [poster, setPoster] = useState(false);
  const { scheme } = useColorScheme();
  const schemeRef = useRef(scheme);
  schemeRef.current = scheme;
  const terminalRef = useRef<Terminal | null>(null);
  useEffect(() => {
    if (terminalRef.current) terminalRef.current.options.theme = TERMINAL_THEMES[scheme];
  }, [scheme]);
  const [state, setState] = useState<PlayerState>({ playing: false, time: 0, duration: cast.duration, speed: 1, ended: false });

  useEffect(() => {
    const element = hostRef.current;
    if (!element) return;
    const terminal = new Terminal({
      fontFamily: 'ui-monospace, "SF Mono", "Cascadia Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace',
      fontSize: 13,
      lineHeight: 1.15,
      cols: cast.header.width,
      rows: cast.header.height,
      scrollback: 1000,
      cursorBlink: false,
      disableStdin: true,
      theme: TERMINAL_THEMES[schemeRef.current],
      linkHandler: { activate: (_event, uri) => void openTerminalLink(uri), allowNonHttpProtocols: false },
    });
    const osc = terminal.parser.registerOscHandler(OSC_CLIPBOARD, () => true);
    terminal.open(element);
    terminalRef.current = terminal;
    // The poster: the screen at the end, so the player never opens on an empty black box.
    const created = new CastPlayer(cast, terminal, undefined, { poster: true });
    const subscription = created.events.on('state', (next) => {
      setState(next);
      setPoster(created.showingPoster);
    });
    setPlayer(created);
    setState(created.state);
    setPoster(created.showingPoster);
    return () => {
      subscription.dispose();
      created.dispose();
      osc.dispose();
      terminal.dispose();
      terminalRef.current = null;
      setPlayer(null);
    };
  }, [cast]);

  const step = cast.duration > 600 ? 1 : 0.01;
  return (
    <div className="recording-player" data-testid="recording-player" data-state={state.playing ? 'playing' : state.ended ? 'ended' : 'paused'} data-poster={poster}>
      <div className="recording-screen">
        <div ref={hostRef} className="recording-terminal" />
      </div>
      <div className="recording-controls">
        <button
          type="button"
          className="button button-primary button-small recording-play"
          data-testid="recording-play"
          disabled={!player}
          aria-label={state.playing ? 'Pause' : 'Play'}
          onClick={() => player?.toggle()}
        >
          {state.playing ? 'Pause' : state.ended ? 'Replay' : 'Play'}
        </button>
        <div className="recording-timeline">
          <input
            type="range"
            className="recording-seek"
            data-testid="recording-seek"
            aria-label="Position"
            min={0}
            max={cast.duration}
            step={step}
            value={state.time}
            disabled={!player || cast.duration === 0}
            onChange={(event) => player?.seek(Number(event.target.value))}
          />
          {cast.markers.length > 0 && (
            // Tools run from the session's drawer: a tick where each started and ended; a click seeks there.
            <div className="recording-markers" aria-label="Markers">
              {cast.markers.map((marker, index) => {
                const name = `${marker.label} (${formatPlaybackTime(marker.time)})`;
                return (
                  <button
                    key={`${index}:${marker.time}`}
                    type="button"
                    className="recording-marker"
                    data-testid="recording-marker"
                    data-time={marker.time}
                    style={{ left: `${timelinePercent(marker.time, cast.duration)}%` }}
                    aria-label={name}
                    title={name}
                    disabled={!player}
                    onClick={() => player?.seek(marker.time)}
                  />
                );
              })}
            </div>
          )}
        </div>
        <span className="recording-time" data-testid="recording-time">
          {formatPlaybackTime(state.time)} / {formatPlaybackTime(cast.duration)}
        </span>
        <label className="recording-speed">
          <span className="muted">Speed</span>
          <select
            data-testid="recording-speed"
            value={state.speed}
            disabled={!player}
            onChange={(event) => player?.setSpeed(Number(event.target.value))}
          >
            {PLAYBACK_SPEEDS.map((speed) => (
              <option key={speed} value={speed}>
                {speed}×
              </option>
            ))}
          </select>
        </label>
        <a className="button button-secondary button-small" data-testid="recording-download" href={downloadUrl} download={downloadName}>
          Download .cast
        </a>
      </div>
    </div>
  );
}
