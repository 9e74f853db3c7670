//! In-memory state of secret chats, update queues and uploaded files, each bounded.

use std::collections::{BTreeMap, HashMap, VecDeque};

use mtproto_wasm::tl::Value;

/// Encrypted chats a user may be part of.
pub const MAX_CHATS_PER_USER: usize = 64;
/// Updates kept per user for updates.getDifference (the oldest are dropped).
pub const MAX_QUEUED_UPDATES: usize = 4096;
/// Largest file part (upload.saveFilePart).
pub const MAX_PART: usize = 512 * 1024;
/// Largest uploaded file.
pub const MAX_FILE: usize = 64 * 1024 * 1024;
/// Files (uploads in progress plus stored encrypted files) kept in all.
pub const MAX_FILES: usize = 1024;
/// random_ids remembered per user for deduplication of sends.
pub const MAX_RANDOM_IDS: usize = 4096;

/// One encrypted chat.
#[derive(Debug, Clone)]
pub struct EncChat {
    /// Chat id.
    pub id: i32,
    /// access_hash (the same for both participants here).
    pub access_hash: i64,
    /// The creator.
    pub admin_id: i64,
    /// The invited user.
    pub participant_id: i64,
    /// Creation date.
    pub date: i32,
    /// g_a of the creator.
    pub g_a: Vec<u8>,
    /// g_b and key_fingerprint, once accepted.
    pub accepted: Option<(Vec<u8>, i64)>,
    /// Discarded (declined or ended).
    pub discarded: bool,
}

impl EncChat {
    /// The other participant.
    pub fn peer_of(&self, user: i64) -> Option<i64> {
        if user == self.admin_id {
            Some(self.participant_id)
        } else if user == self.participant_id {
            Some(self.admin_id)
        } else {
            None
        }
    }
}

/// An update kept for updates.getDifference.
#[derive(Debug, Clone)]
pub struct Stored {
    /// qts of an updateNewEncryptedMessage.
    pub qts: Option<i32>,
    /// Our counter for other updates (reported as pts).
    pub pts: i32,
    /// The update object (its `message` for encrypted messages).
    pub update: Value,
    /// random_id of an encrypted message (for messages.receivedQueue).
    pub random_id: i64,
}

/// Per-user update counters and log.
#[derive(Debug, Default)]
pub struct UserUpdates {
    /// Last qts given.
    pub qts: i32,
    /// Last pts given (non-encrypted updates here).
    pub pts: i32,
    /// What getDifference can still return.
    pub log: VecDeque<Stored>,
}

/// An uploaded or stored file.
#[derive(Debug, Default)]
pub struct Upload {
    /// Parts by number.
    pub parts: BTreeMap<i32, Vec<u8>>,
    /// Bytes in all parts.
    pub size: usize,
}

/// An encrypted file attached to a message.
#[derive(Debug, Clone)]
pub struct EncFile {
    /// access_hash.
    pub access_hash: i64,
    /// The encrypted bytes.
    pub bytes: Vec<u8>,
    /// key_fingerprint given by the sender.
    pub key_fingerprint: i32,
}

/// Everything of secret chats.
#[derive(Debug, Default)]
pub struct SecretState {
    /// Chats by id.
    pub chats: HashMap<i32, EncChat>,
    /// The last chat id given.
    pub last_chat_id: i32,
    /// Update counters and logs by user.
    pub updates: HashMap<i64, UserUpdates>,
    /// (user, random_id) of sends already done, with the answer given.
    pub sent: HashMap<(i64, i64), Vec<u8>>,
    /// Order of `sent` keys, to bound it.
    pub sent_order: VecDeque<(i64, i64)>,
    /// Uploads in progress by (user, file_id).
    pub uploads: HashMap<(i64, i64), Upload>,
    /// Encrypted files by id.
    pub files: HashMap<i64, EncFile>,
    /// Updates to push: (user, serialized `updates`).
    pub outbox: Vec<(i64, Vec<u8>)>,
    /// Fault switch: swallow this many next encrypted messages (the sender gets its answer,
    /// the peer never sees them, not even in getDifference).
    pub drop_encrypted_messages: u32,
    /// Fault switch: deliver this many next encrypted messages twice (a second update with
    /// its own qts), as a server resending would.
    pub duplicate_encrypted_messages: u32,
    /// Fault switch: flip one bit in the bytes of this many next encrypted messages.
    pub corrupt_encrypted_messages: u32,
}

impl SecretState {
    /// Records an update for `user`: returns its (qts, pts) and keeps it for getDifference.
    pub fn log(&mut self, user: i64, update: Value, encrypted: Option<i64>) -> (Option<i32>, i32) {
        let u = self.updates.entry(user).or_default();
        let qts = encrypted.map(|_| {
            u.qts += 1;
            u.qts
        });
        if qts.is_none() {
            u.pts += 1;
        }
        u.log.push_back(Stored {
            qts,
            pts: u.pts,
            update,
            random_id: encrypted.unwrap_or(0),
        });
        while u.log.len() > MAX_QUEUED_UPDATES {
            u.log.pop_front();
        }
        (qts, u.pts)
    }

    /// Chats of `user` that are not discarded.
    pub fn chats_of(&self, user: i64) -> usize {
        self.chats
            .values()
            .filter(|c| !c.discarded && c.peer_of(user).is_some())
            .count()
    }

    /// Remembers the answer to a send, bounded.
    pub fn remember_send(&mut self, key: (i64, i64), answer: Vec<u8>) {
        self.sent.insert(key, answer);
        self.sent_order.push_back(key);
        while self.sent_order.len() > MAX_RANDOM_IDS {
            if let Some(k) = self.sent_order.pop_front() {
                self.sent.remove(&k);
            }
        }
    }
}
