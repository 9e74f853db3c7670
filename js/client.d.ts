// Types for client.js: the Client, its options and events, RpcError, webSocketTransport,
// and the secret chats (secret.d.ts).
import type { TlObject, TlMethods, TlMethodName } from './tl-types.js';
import type { SecretChats, SecretStorage } from './secret.js';
export { SecretChat, SecretChats, memorySecretStorage, indexedDbSecretStorage } from './secret.js';
export type { SecretStorage, KeyVisualization, SecretMessage } from './secret.js';

/** A byte transport: WebSocket, TCP, or anything that moves whole chunks of bytes. */
export interface Transport {
  connect(onData: (bytes: Uint8Array) => void, onClose: (error: Error) => void): Promise<void>;
  send(bytes: Uint8Array): void;
  close(): void;
}

/** Injected time, for tests. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

export interface ClientOptions {
  transport: Transport;
  dcId?: number;
  testMode?: boolean;
  framing?: 'abridged' | 'intermediate' | 'padded';
  /** PEM public keys besides the built-in ones (the test DC's /rsa.pem). */
  rsaKeys?: string[];
  /** A blob from exportSession(): resumes the auth key, salt and DC. */
  session?: Uint8Array;
  apiId?: number;
  apiHash?: string;
  layer?: number;
  deviceModel?: string;
  systemVersion?: string;
  appVersion?: string;
  systemLangCode?: string;
  langPack?: string;
  langCode?: string;
  /** Keep-alive ping interval, ms. */
  pingInterval?: number;
  /**
   * Perfect forward secrecy (default true): traffic runs over a temporary key bound to the
   * permanent one with auth.bindTempAuthKey and renewed before it expires.
   */
  pfs?: boolean;
  /** Lifetime of each temporary key, seconds (at least 60; default 86400). */
  tempKeyTtl?: number;
  /** FLOOD_WAIT up to this many seconds is waited out automatically (default 60). */
  floodWaitThreshold?: number;
  clock?: Clock;
  random?: () => number;
  /** Where secret chats are kept (indexedDbSecretStorage() / memorySecretStorage()). */
  secretStorage?: SecretStorage | null;
}

export interface ClientEvents {
  connected: { authKeyId: bigint; newKey: boolean };
  disconnect: Error | undefined;
  reconnecting: number;
  close: undefined;
  floodWait: { seconds: number; method: string };
  update: TlObject | Uint8Array;
  protocolError: Error;
  /** new_session_created (or a session the client renewed): updates may have been missed. */
  sessionReset: { byServer: boolean };
  /** PFS: a temporary key was bound (after connecting, and after each renewal). */
  tempKeyBound: { tempAuthKeyId: bigint; expiresAt: number };
  /**
   * The client gave up: the server refused auth.bindTempAuthKey three times in a row (with
   * a growing wait between tries). connect() and every pending request were rejected with
   * this error; the client stays down until connect() or invoke() is called again.
   */
  error: RpcError;
}

/** An rpc_error answer. */
export class RpcError extends Error {
  constructor(code: number, message: string, method?: string);
  readonly name: 'RpcError';
  /** error_code */
  code: number;
  method?: string;
  /** For *_MIGRATE_N. */
  dcId?: number;
  /** For FLOOD_WAIT_N, FLOOD_PREMIUM_WAIT_N, SLOWMODE_WAIT_N. */
  seconds?: number;
}

export class Client {
  constructor(options: ClientOptions);
  readonly authKeyId: bigint | undefined;
  /** PFS: the bound temporary key the traffic runs over (0n without one). */
  readonly tempAuthKeyId: bigint | undefined;
  readonly dcId: number;
  readonly connected: boolean;
  apiId?: number;
  apiHash?: string;
  /** End-to-end secret chats (docs/secret.md). */
  readonly secretChats: SecretChats;
  on<E extends keyof ClientEvents>(event: E, fn: (value: ClientEvents[E]) => void): this;
  off<E extends keyof ClientEvents>(event: E, fn: (value: ClientEvents[E]) => void): this;
  connect(): Promise<void>;
  invoke<M extends TlMethodName>(request: TlMethods[M]['params']): Promise<TlMethods[M]['result']>;
  invoke(request: TlObject): Promise<unknown>;
  /** The session blob: store it, pass it back as options.session. */
  exportSession(): Uint8Array;
  close(): void;
}

/** A transport over WebSocket (binary frames, subprotocol 'binary'). */
export function webSocketTransport(url: string | URL, WebSocketImpl?: typeof WebSocket): Transport;

/** Decodes boxed TL bytes into JS objects in JavaScript (same values as tlDecode, every field a key, faster). */
export function decodeTl(bytes: Uint8Array): TlObject;
/** Decodes the result of `method` (as tlDecodeResult, in JavaScript). */
export function decodeTlResult(method: string, bytes: Uint8Array): unknown;
/** Encodes a TL object to its boxed bytes in JavaScript (as tlEncode, faster; reads only the constructor's fields). */
export function encodeTl(obj: TlObject | boolean | unknown[]): Uint8Array;
