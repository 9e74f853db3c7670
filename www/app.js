// The mtproto-wasm demo: connect (local test DC or Telegram), sign in, secret chats.
// Plain ES modules from /pkg/ (served by the test DC); no build step.
import load from '/pkg/loader.js';
import { Client, webSocketTransport, indexedDbSecretStorage } from '/pkg/client.js';

const $ = (id) => document.getElementById(id);
const COLOURS = ['#ffffff', '#d5e6f3', '#2d5775', '#2f99c9'];

// Each tab is its own account: the slot lives in sessionStorage (per tab, kept on reload).
const slot = sessionStorage.getItem('demo-slot') ?? Math.random().toString(36).slice(2, 10);
sessionStorage.setItem('demo-slot', slot);
const store = {
  get: (k) => JSON.parse(localStorage.getItem(`demo:${slot}:${k}`) ?? 'null'),
  set: (k, v) => localStorage.setItem(`demo:${slot}:${k}`, JSON.stringify(v)),
};
const b64 = (u8) => btoa(String.fromCharCode(...u8));
const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const json = (v) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}` : x));

const demo = { client: null, me: null, chats: new Map(), open: null, log: [] };
window.__demo = demo;

function setState(text, cls) {
  $('state').textContent = text;
  $('dot').className = `dot ${cls ?? ''}`;
}

function show(id, on = true) { $(id).hidden = !on; }

async function connect() {
  $('connect').disabled = true;
  const target = document.querySelector('input[name=target]:checked').value;
  const saved = store.get('config');
  const config = saved ?? (target === 'local'
    ? { target, url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/apiws`, apiId: 1, apiHash: 'demo', dcId: 2 }
    : { target, url: $('ws-url').value, apiId: Number($('api-id').value), apiHash: $('api-hash').value, dcId: 2 });
  store.set('config', config);
  const rsaKeys = config.target === 'local' ? [await (await fetch('/rsa.pem')).text()] : [];
  const session = store.get('session');
  const client = new Client({
    dcId: config.dcId, transport: webSocketTransport(config.url), framing: 'intermediate', rsaKeys,
    apiId: config.apiId, apiHash: config.apiHash, session: session ? unb64(session) : undefined,
    secretStorage: indexedDbSecretStorage(`mtproto-wasm-demo-${slot}`),
  });
  demo.client = client;
  client.on('connected', ({ authKeyId }) => {
    setState('connected', 'on');
    $('keyid').textContent = authKeyId.toString(16).padStart(16, '0');
    $('dc').textContent = String(client.dcId);
    store.set('session', b64(client.exportSession()));
  });
  client.on('disconnect', () => setState('disconnected', 'off'));
  client.on('reconnecting', (ms) => setState(`reconnecting in ${Math.round(ms / 100) / 10} s`, 'off'));
  setupSecretChats(client);
  setState('connecting');
  await client.secretChats.load();
  await client.connect();
  show('connect-card', false);
  pingLoop(client);
  const me = store.get('me');
  if (me) signedIn(me); else show('login-card');
}

async function pingLoop(client) {
  for (;;) {
    const t0 = performance.now();
    try {
      await client.invoke({ _: 'ping', ping_id: BigInt(Math.floor(Math.random() * 2 ** 52)) });
      $('ping').textContent = `${Math.round(performance.now() - t0)} ms`;
    } catch { $('ping').textContent = '-'; }
    await new Promise((r) => setTimeout(r, 5000));
  }
}

async function sendCode() {
  const phone = $('phone').value.replace(/\D/g, '');
  const sent = await demo.client.invoke({
    _: 'auth.sendCode', phone_number: phone, api_id: demo.client.apiId, api_hash: demo.client.apiHash,
    settings: { _: 'codeSettings' },
  });
  demo.phone = phone;
  demo.hash = sent.phone_code_hash;
  show('code-row');
}

async function signIn() {
  const c = demo.client;
  let r = await c.invoke({ _: 'auth.signIn', phone_number: demo.phone, phone_code_hash: demo.hash, phone_code: $('code').value });
  if (r._ === 'auth.authorizationSignUpRequired') {
    r = await c.invoke({
      _: 'auth.signUp', phone_number: demo.phone, phone_code_hash: demo.hash,
      first_name: $('first-name').value || `Tester ${demo.phone.slice(-4)}`, last_name: '',
    });
  }
  const me = { id: `${r.user.id}`, name: r.user.first_name, username: r.user.username ?? '' };
  store.set('me', me);
  signedIn(me);
}

function signedIn(me) {
  demo.me = me;
  show('login-card', false);
  show('me-card');
  $('me-name').textContent = me.name;
  $('me-username').textContent = me.username;
  for (const chat of demo.client.secretChats.chats) addChat(chat);
}

async function startChat() {
  const name = $('peer').value.trim().replace(/^@/, '');
  const r = await demo.client.invoke({ _: 'contacts.resolveUsername', username: name });
  const u = r.users[0];
  $('start-chat').disabled = true;
  $('start-chat').textContent = 'Waiting for the peer…';
  try {
    const chat = await demo.client.secretChats.start({ _: 'inputUser', user_id: u.id, access_hash: u.access_hash });
    openChat(chat);
  } finally {
    $('start-chat').disabled = false;
    $('start-chat').textContent = 'Start secret chat';
  }
}

function setupSecretChats(client) {
  client.secretChats.on('request', (req) => {
    const div = document.createElement('div');
    div.className = 'request';
    div.innerHTML = `<span>Secret chat request from user <b>${req.peerId}</b></span>`;
    const ok = Object.assign(document.createElement('button'), { textContent: 'Accept', className: 'accept' });
    const no = Object.assign(document.createElement('button'), { textContent: 'Decline', className: 'danger' });
    ok.onclick = async () => { div.remove(); openChat(await req.accept()); };
    no.onclick = async () => { div.remove(); await req.decline(); };
    div.append(ok, no);
    $('requests').append(div);
  });
  client.secretChats.on('chat', (chat) => addChat(chat));
}

function history(chat) {
  if (!demo.chats.has(chat.id)) demo.chats.set(chat.id, store.get(`history:${chat.id}`) ?? []);
  return demo.chats.get(chat.id);
}

function record(chat, entry) {
  const h = history(chat);
  h.push(entry);
  store.set(`history:${chat.id}`, h.slice(-500));
  if (demo.open === chat) renderEntry(entry);
  if (entry.ttl > 0) setTimeout(() => expire(chat, entry), entry.ttl * 1000);
}

function expire(chat, entry) {
  const h = history(chat);
  const i = h.findIndex((e) => e.at === entry.at && e.text === entry.text);
  if (i >= 0) h.splice(i, 1);
  store.set(`history:${chat.id}`, h);
  if (demo.open === chat) renderChat(chat);
}

const wired = new WeakSet();
function addChat(chat) {
  if (!wired.has(chat)) {
    wired.add(chat);
    chat.on('message', (m) => {
      if (m._ !== 'decryptedMessage') {
        const a = m.action?._ ?? '';
        if (a.endsWith('SetMessageTTL')) record(chat, { kind: 'system', text: `self-destruct timer: ${m.action.ttl_seconds} s`, at: Date.now() });
        return;
      }
      const file = m.media?._ === 'decryptedMessageMediaDocument'
        ? { name: m.media.attributes?.find((x) => x.file_name)?.file_name ?? 'file', size: Number(m.media.size), mime: m.media.mime_type, msg: json(m) }
        : null;
      record(chat, { kind: 'theirs', text: m.message, file, ttl: m.ttl, at: Date.now() });
    });
    chat.on('keyChanged', () => {
      record(chat, { kind: 'system', text: 'the key changed (perfect forward secrecy)', at: Date.now() });
      if (demo.open === chat) renderHead(chat);
    });
    chat.on('closed', () => { record(chat, { kind: 'system', text: 'the chat ended', at: Date.now() }); renderHead(chat); });
  }
  if (![...$('chat-list').children].some((li) => li.dataset.id === String(chat.id))) {
    const li = document.createElement('li');
    li.dataset.id = String(chat.id);
    li.textContent = `Secret chat ${chat.id} with user ${chat.peerId}`;
    li.onclick = () => openChat(chat);
    $('chat-list').append(li);
  }
}

function drawKey(chat) {
  const ctx = $('key-picture').getContext('2d');
  ctx.clearRect(0, 0, $('key-picture').width, $('key-picture').height);
  if (!chat.keyVisualization) return; // unknown (a chat restored from an old snapshot)
  const { grid } = chat.keyVisualization;
  const cell = $('key-picture').width / 12;
  grid.forEach((row, y) => row.forEach((v, x) => { ctx.fillStyle = COLOURS[v]; ctx.fillRect(x * cell, y * cell, cell, cell); }));
}

function renderHead(chat) {
  $('chat-title').textContent = `Secret chat ${chat.id} with user ${chat.peerId}`;
  $('chat-layer').textContent = String(chat.layer);
  $('chat-fp').textContent = chat.keyVisualization?.hex.slice(0, 16) ?? 'unknown';
  $('chat-state').textContent = chat.state;
  $('composer').querySelector('button').disabled = chat.state !== 'ready';
  drawKey(chat);
}

function renderEntry(e) {
  const li = document.createElement('li');
  li.className = e.kind === 'mine' ? 'mine' : e.kind === 'system' ? 'system' : '';
  li.textContent = e.text ?? '';
  if (e.file) {
    const a = document.createElement('a');
    a.href = '#';
    a.textContent = `File: ${e.file.name} (${Math.round(e.file.size / 1024)} KB)`;
    if (e.kind !== 'mine') a.onclick = (ev) => { ev.preventDefault(); download(e); };
    if (e.text) li.append(document.createElement('br'));
    li.append(a);
  }
  if (e.ttl > 0) li.title = `self-destructs after ${e.ttl} s`;
  $('messages').append(li);
  $('messages').scrollTop = $('messages').scrollHeight;
}

function renderChat(chat) {
  $('messages').replaceChildren();
  for (const e of history(chat)) renderEntry(e);
}

function openChat(chat) {
  addChat(chat);
  demo.open = chat;
  show('chat-card');
  renderHead(chat);
  renderChat(chat);
}

function progress(done, total) {
  show('progress', done < total);
  $('progress-bar').style.width = `${Math.round((100 * done) / total)}%`;
}

async function download(entry) {
  const m = JSON.parse(entry.file.msg, (k, v) => (typeof v === 'object' && v && !Array.isArray(v) && Object.keys(v).every((x) => /^\d+$/.test(x)) ? Uint8Array.from(Object.values(v)) : v));
  for (const f of ['size']) if (m.media[f] !== undefined) m.media[f] = BigInt(m.media[f]);
  const f = m.encryptedFile;
  for (const k of ['id', 'access_hash', 'size']) f[k] = BigInt(f[k]);
  const bytes = await demo.open.downloadFile(m, { onProgress: ({ received, total }) => progress(received, total) });
  demo.lastDownload = bytes;
  const url = URL.createObjectURL(new Blob([bytes], { type: entry.file.mime }));
  const a = Object.assign(document.createElement('a'), { href: url, download: entry.file.name });
  a.click();
}

async function send(ev) {
  ev.preventDefault();
  const chat = demo.open;
  const text = $('text').value;
  if (!chat || !text) return;
  $('text').value = '';
  await chat.sendText(text);
  record(chat, { kind: 'mine', text, ttl: chat.ttl, at: Date.now() });
}

async function sendFile() {
  const chat = demo.open;
  const file = $('file').files[0];
  if (!chat || !file) return;
  await chat.sendFile(file, { onProgress: ({ sent, total }) => progress(sent, total) });
  progress(1, 1);
  record(chat, { kind: 'mine', text: '', file: { name: file.name, size: file.size, mime: file.type }, ttl: chat.ttl, at: Date.now() });
  $('file').value = '';
}

function guard(fn) {
  return async (...args) => {
    try { await fn(...args); } catch (e) { console.error(e); alert(e.message ?? String(e)); }
  };
}

document.querySelectorAll('input[name=target]').forEach((r) => {
  r.onchange = () => show('telegram-fields', r.value === 'telegram' && r.checked);
});
$('phone').value = `99966${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
$('connect').onclick = guard(connect);
$('send-code').onclick = guard(sendCode);
$('sign-in').onclick = guard(signIn);
$('start-chat').onclick = guard(startChat);
$('composer').onsubmit = guard(send);
$('file').onchange = guard(sendFile);
$('ttl').onchange = guard(async () => demo.open && demo.open.setTtl(Number($('ttl').value)));
$('close-chat').onclick = guard(async () => demo.open && demo.open.close({ deleteHistory: true }));

await load();
demo.ready = true;
if (store.get('config')) await guard(connect)(); // a reload resumes where the tab was
