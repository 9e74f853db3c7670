// Types for secret.js: end-to-end secret chats (`client.secretChats`), docs/secret.md.
import type { TlObject } from './tl-types.js';
import type { Client } from './client.js';

/** Any async key-value store; memorySecretStorage() and indexedDbSecretStorage() are two. */
export interface SecretStorage {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
  keys(): Promise<string[]>;
}
export function memorySecretStorage(): SecretStorage;
export function indexedDbSecretStorage(name?: string): SecretStorage;

/** The key picture of the chat's original key (rotations never change it): hash, hex, and a
 * 12x12 grid of 0..3 (four colours). */
export interface KeyVisualization {
  hash: Uint8Array;
  hex: string;
  grid: number[][];
}

/** A decrypted message (decryptedMessage or decryptedMessageService, as TL objects). */
export interface SecretMessage extends TlObject {
  random_id?: bigint;
  message?: string;
  ttl?: number;
  media?: TlObject;
  action?: TlObject;
  /** For a file message: the encryptedFile to pass to downloadFile(). */
  encryptedFile?: TlObject;
}

export interface SecretChatEvents {
  message: SecretMessage;
  keyChanged: { fingerprint: bigint };
  read: { maxDate: number };
  typing: Record<string, never>;
  closed: { reason: string };
  error: Error;
}

export class SecretChat {
  readonly id: number;
  readonly peerId: bigint | number;
  readonly layer: number;
  readonly state: 'ready' | 'closed';
  readonly ttl: number;
  readonly fingerprint: bigint;
  /** null only for a chat restored from an old (version 1) snapshot taken after a rotation. */
  readonly keyVisualization: KeyVisualization | null;
  on<E extends keyof SecretChatEvents>(event: E, fn: (value: SecretChatEvents[E]) => void): this;
  off<E extends keyof SecretChatEvents>(event: E, fn: (value: SecretChatEvents[E]) => void): this;
  sendText(text: string): Promise<unknown>;
  send(message: TlObject): Promise<unknown>;
  /** Rotates the key now (also automatic after 100 messages or a week). */
  rekey(): Promise<unknown>;
  setTtl(seconds: number): Promise<unknown>;
  markRead(randomIds?: bigint[], maxDate?: number): Promise<void>;
  typing(on?: boolean): Promise<unknown>;
  deleteMessages(randomIds: bigint[]): Promise<unknown>;
  flushHistory(): Promise<unknown>;
  screenshot(randomIds?: bigint[]): Promise<unknown>;
  sendFile(file: Blob | File | Uint8Array, options?: {
    onProgress?: (p: { sent: number; total: number }) => void;
    name?: string; mimeType?: string; caption?: string; ttl?: number;
  }): Promise<unknown>;
  downloadFile(message: SecretMessage, options?: {
    onProgress?: (p: { received: number; total: number }) => void;
  }): Promise<Uint8Array>;
  close(options?: { deleteHistory?: boolean }): Promise<void>;
}

/** An incoming request ('request' event). */
export interface SecretChatRequest {
  readonly id: number;
  readonly peerId: bigint | number;
  readonly date: number;
  accept(): Promise<SecretChat>;
  decline(): Promise<void>;
}

export interface SecretChatsEvents {
  request: SecretChatRequest;
  chat: SecretChat;
  error: Error;
}

export class SecretChats {
  constructor(client: Client, storage?: SecretStorage | null);
  readonly chats: SecretChat[];
  on<E extends keyof SecretChatsEvents>(event: E, fn: (value: SecretChatsEvents[E]) => void): this;
  off<E extends keyof SecretChatsEvents>(event: E, fn: (value: SecretChatsEvents[E]) => void): this;
  /** Restores stored chats. */
  load(): Promise<void>;
  /** Requests a chat with an inputUser; resolves once the peer accepted. */
  start(inputUser: TlObject): Promise<SecretChat>;
}
