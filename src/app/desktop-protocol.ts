/**
 * The messages between the desktop shell (main/, Electron's main process) and the core it runs in an Electron
 * utility process (desktop-core.ts). Plain data, no imports: main/ reads the types from here so both sides agree.
 */

/** The core started: where the window loads the UI from, and what the tray shows. */
export interface CoreReady {
  type: 'ready';
  /** `http://127.0.0.1:PORT/?token=…`: opening it sets the HttpOnly token cookie and redirects to `/`. */
  uiUrl: string;
  /** `http://127.0.0.1:PORT`: the only origin the window may show and the only sender IPC accepts. */
  origin: string;
  /** The API token, for main's own status requests (never handed to the page). */
  token: string;
  /** The Kafka listener, `host:port` as bound. */
  kafka: string;
  dataDir: string;
}

/** The core cannot go on: what went wrong, in words a person can act on. Sent just before it exits. */
export interface CoreFatal {
  type: 'fatal';
  message: string;
}

/** An alert fired, repeated or resolved (src/alerts): the shell shows it as a native notification. */
export interface CoreAlert {
  type: 'alert';
  /** firing, repeat or resolved. */
  notice: 'firing' | 'repeat' | 'resolved';
  /** The rule's id (a click opens the Alerts view). */
  rule: string;
  title: string;
  body: string;
}

export type CoreToMain = CoreReady | CoreFatal | CoreAlert;

/** Main asks the core to shut down cleanly (flush every log), then it exits 0. */
export interface CoreStop {
  type: 'stop';
}

export type MainToCore = CoreStop;
