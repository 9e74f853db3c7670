//! The DC-wide protocol state: auth keys (with their salts, sessions and signed-in user)
//! and users. Everything is bounded; the oldest entries are evicted first.

use std::collections::{BTreeMap, HashMap, VecDeque};

use mtproto_wasm::crypto::{AuthKey, OsRandom, RandomSource};
use mtproto_wasm::session::server::ServerSession;

/// At most this many auth keys; the oldest is forgotten first.
pub const MAX_AUTH_KEYS: usize = 2048;
/// At most this many sessions per auth key; the least recently used goes first.
pub const MAX_SESSIONS_PER_KEY: usize = 16;
/// At most this many users.
pub const MAX_USERS: usize = 10_000;
/// At most this many outstanding login codes.
pub const MAX_PENDING_CODES: usize = 4096;
/// Remembered client msg_ids per session (duplicate detection, msgs_state_req).
pub const RECENT_IDS: usize = 1024;
/// Remembered server messages per session (msg_resend_req).
pub const SENT_KEEP: usize = 64;
/// ... and at most this many bytes of them; larger bodies are not kept.
pub const SENT_BYTES: usize = 64 * 1024;
/// A server salt is valid for this long.
pub const SALT_PERIOD_SECS: i64 = 30 * 60;
/// A salt stays accepted this long after it expired.
pub const SALT_GRACE_SECS: i64 = 5 * 60;

/// One server salt and its validity window (unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Salt {
    /// valid_since.
    pub since: i64,
    /// valid_until.
    pub until: i64,
    /// The salt.
    pub salt: u64,
}

/// What the server remembers of one session (auth key + session id).
pub struct SessionData {
    /// The core's server session: msg_ids, seq_nos, encryption.
    pub server: ServerSession,
    /// new_session_created was sent.
    pub announced: bool,
    /// Our unique id of this session.
    pub unique_id: i64,
    /// Recent client msg_ids -> content-related.
    pub received: BTreeMap<i64, bool>,
    /// Recent content messages: msg_id -> seq_no (seq_no order checks).
    pub content_seq: BTreeMap<i64, i32>,
    /// Recent server messages: (msg_id, body), for msg_resend_req.
    pub sent: VecDeque<(i64, Vec<u8>)>,
    /// Unix seconds of the last packet.
    pub last_used: i64,
}

impl SessionData {
    /// A new session over `key` with `salt`.
    pub fn new(key: &AuthKey, session_id: u64, salt: u64, now: i64) -> Self {
        let mut server = ServerSession::new(key.clone(), salt, 0, Box::new(OsRandom));
        server.session_id = Some(session_id);
        Self {
            server,
            announced: false,
            unique_id: random_i64(),
            received: BTreeMap::new(),
            content_seq: BTreeMap::new(),
            sent: VecDeque::new(),
            last_used: now,
        }
    }

    /// Remembers a client message.
    pub fn remember(&mut self, msg_id: i64, seq_no: i32, content: bool) {
        self.received.insert(msg_id, content);
        while self.received.len() > RECENT_IDS {
            self.received.pop_first();
        }
        if content {
            self.content_seq.insert(msg_id, seq_no);
            while self.content_seq.len() > RECENT_IDS {
                self.content_seq.pop_first();
            }
        }
    }

    /// The lowest msg_id still remembered once the window is full (older ids are unknown).
    pub fn window_floor(&self) -> Option<i64> {
        if self.received.len() >= RECENT_IDS {
            self.received.keys().next().copied()
        } else {
            None
        }
    }

    /// Remembers a server message.
    pub fn remember_sent(&mut self, msg_id: i64, body: &[u8]) {
        if body.len() > SENT_BYTES / 4 {
            return;
        }
        self.sent.push_back((msg_id, body.to_vec()));
        while self.sent.len() > SENT_KEEP
            || self.sent.iter().map(|(_, b)| b.len()).sum::<usize>() > SENT_BYTES
        {
            self.sent.pop_front();
        }
    }
}

/// One auth key.
pub struct KeyEntry {
    /// The key.
    pub key: AuthKey,
    /// Unix seconds of its creation.
    pub created: i64,
    /// Unix seconds it expires at (temporary keys).
    pub expires_at: Option<i64>,
    /// Salts, oldest first.
    pub salts: VecDeque<Salt>,
    /// The user signed in with this key.
    pub user_id: Option<i64>,
    /// The permanent key this temporary key is bound to (auth.bindTempAuthKey).
    pub bound_to: Option<u64>,
    /// Sessions by session id.
    pub sessions: HashMap<u64, SessionData>,
}

impl KeyEntry {
    /// Drops expired salts (past the grace period) and makes sure salts cover `now` + 2 h.
    pub fn refresh_salts(&mut self, now: i64) {
        while self.salts.len() > 1
            && self
                .salts
                .front()
                .is_some_and(|s| s.until + SALT_GRACE_SECS < now)
        {
            self.salts.pop_front();
        }
        loop {
            let last_until = self.salts.back().map_or(now, |s| s.until);
            if last_until >= now + 2 * 3600 && self.salts.len() >= 2 {
                break;
            }
            let since = if last_until < now - SALT_PERIOD_SECS {
                now
            } else {
                last_until
            };
            self.salts.push_back(Salt {
                since,
                until: since + SALT_PERIOD_SECS,
                salt: random_i64() as u64,
            });
            if self.salts.len() > 64 {
                break;
            }
        }
    }

    /// The salt to use now.
    pub fn current_salt(&mut self, now: i64) -> u64 {
        self.refresh_salts(now);
        self.salts
            .iter()
            .find(|s| s.since <= now && now < s.until)
            // A clock set back (fault `clock_offset`) falls before the first salt: use it.
            .or(self.salts.front().filter(|s| now < s.since))
            .or(self.salts.back())
            .map_or(0, |s| s.salt)
    }

    /// Whether `salt` is acceptable now (current, or recently expired).
    pub fn salt_ok(&mut self, salt: u64, now: i64) -> bool {
        self.refresh_salts(now);
        self.salts.iter().enumerate().any(|(i, s)| {
            s.salt == salt && (s.since <= now || i == 0) && now < s.until + SALT_GRACE_SECS
        })
    }

    /// `n` salts from now on (1..=64).
    pub fn future_salts(&mut self, n: usize, now: i64) -> Vec<Salt> {
        self.refresh_salts(now);
        let n = n.clamp(1, 64);
        while self.salts.len() < n + 2 {
            let since = self.salts.back().map_or(now, |s| s.until);
            self.salts.push_back(Salt {
                since,
                until: since + SALT_PERIOD_SECS,
                salt: random_i64() as u64,
            });
        }
        self.salts
            .iter()
            .filter(|s| s.until > now)
            .take(n)
            .copied()
            .collect()
    }
}

/// A user of the DC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// user id.
    pub id: i64,
    /// access_hash.
    pub access_hash: i64,
    /// Phone number, digits only.
    pub phone: String,
    /// first_name.
    pub first_name: String,
    /// last_name.
    pub last_name: String,
    /// username (`user<id>`).
    pub username: String,
}

/// The DC-wide protocol state.
#[derive(Default)]
pub struct DcState {
    /// Auth keys by id.
    pub keys: HashMap<u64, KeyEntry>,
    key_order: VecDeque<u64>,
    /// Users by id.
    pub users: BTreeMap<i64, User>,
    /// Phone -> user id.
    pub phones: HashMap<String, i64>,
    /// Phone -> phone_code_hash of the last auth.sendCode.
    pub codes: HashMap<String, String>,
    /// Secret chats, update queues and files.
    pub secret: super::secret_state::SecretState,
    /// Open MTProto connections (ConnId.0) and the auth key each last used, for pushes.
    pub conn_keys: HashMap<u64, u64>,
    /// Fault switch `refuse_binds`: binds still to refuse.
    pub refuse_binds: u32,
    /// Handshakes completed (auth keys made, permanent and temporary) since start.
    pub keys_made: u64,
    next_user_id: i64,
}

impl DcState {
    /// Stores a new auth key (evicting the oldest past [`MAX_AUTH_KEYS`]).
    pub fn add_key(&mut self, key: AuthKey, first_salt: u64, now: i64, expires_in: Option<i32>) {
        self.keys_made = self.keys_made.saturating_add(1);
        let id = key.id();
        while self.keys.len() >= MAX_AUTH_KEYS {
            match self.key_order.pop_front() {
                Some(old) => {
                    self.keys.remove(&old);
                }
                None => break,
            }
        }
        self.key_order.retain(|k| *k != id);
        self.key_order.push_back(id);
        let mut salts = VecDeque::new();
        salts.push_back(Salt {
            since: now - 1,
            until: now + SALT_PERIOD_SECS,
            salt: first_salt,
        });
        self.keys.insert(
            id,
            KeyEntry {
                bound_to: None,
                key,
                created: now,
                expires_at: expires_in.map(|e| now + i64::from(e.max(0))),
                salts,
                user_id: None,
                sessions: HashMap::new(),
            },
        );
    }

    /// The key `id`, unless unknown or expired (an expired key is removed).
    pub fn key_mut(&mut self, id: u64, now: i64) -> Option<&mut KeyEntry> {
        let expired = self
            .keys
            .get(&id)
            .is_some_and(|k| k.expires_at.is_some_and(|e| e < now));
        if expired {
            self.keys.remove(&id);
            return None;
        }
        self.keys.get_mut(&id)
    }

    /// The user of key `id`: its own, or that of the permanent key it is bound to.
    pub fn user_of_key(&self, id: u64) -> Option<i64> {
        let k = self.keys.get(&id)?;
        match k.bound_to {
            Some(perm) => self.keys.get(&perm).and_then(|p| p.user_id),
            None => k.user_id,
        }
    }

    /// Forgets every auth key (fault `wipe_keys`).
    pub fn forget_keys(&mut self) {
        self.keys.clear();
        self.key_order.clear();
        self.conn_keys.clear();
    }

    /// Replaces every key's salts (fault `bad_salt`).
    pub fn replace_salts(&mut self, now: i64) {
        for k in self.keys.values_mut() {
            k.salts.clear();
            k.refresh_salts(now);
        }
    }

    /// Forgets every session of every key (fault `forget_sessions`): what was received and
    /// sent is dropped and the next message gets new_session_created. The msg_id clock is
    /// kept, as a real server's msg_ids stay unique per key.
    pub fn forget_sessions(&mut self) {
        for k in self.keys.values_mut() {
            for s in k.sessions.values_mut() {
                s.announced = false;
                s.received.clear();
                s.content_seq.clear();
                s.sent.clear();
                s.unique_id = random_i64();
            }
        }
    }

    /// Creates a user for `phone` (or returns the existing one). `None` when full.
    pub fn create_user(&mut self, phone: &str, first: &str, last: &str) -> Option<User> {
        if let Some(u) = self.phones.get(phone).and_then(|id| self.users.get(id)) {
            return Some(u.clone());
        }
        if self.users.len() >= MAX_USERS {
            return None;
        }
        self.next_user_id = self.next_user_id.max(1_000_000) + 1;
        let id = self.next_user_id;
        let user = User {
            id,
            access_hash: random_i64(),
            phone: phone.to_string(),
            first_name: first.chars().take(64).collect(),
            last_name: last.chars().take(64).collect(),
            username: format!("user{id}"),
        };
        self.phones.insert(user.phone.clone(), id);
        self.users.insert(id, user.clone());
        Some(user)
    }

    /// Remembers a login code request (bounded).
    pub fn add_code(&mut self, phone: &str, hash: String) {
        if self.codes.len() >= MAX_PENDING_CODES && !self.codes.contains_key(phone) {
            if let Some(k) = self.codes.keys().next().cloned() {
                self.codes.remove(&k);
            }
        }
        self.codes.insert(phone.to_string(), hash);
    }
}

/// A random i64 from the OS.
pub fn random_i64() -> i64 {
    let mut b = [0u8; 8];
    // On failure the bytes stay zero: harmless for salts and ids of a test server.
    let _ = OsRandom.fill(&mut b);
    i64::from_le_bytes(b)
}

/// Random bytes from the OS.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    let _ = OsRandom.fill(&mut b);
    b
}
