// The TL benchmark's input, shared by bench/run.mjs and bench/browser/bench.mjs: a
// messages.messages answer in our JS convention (nMessages messages, nUsers users).
export function syntheticMessages(nMessages, nUsers) {
  const users = Array.from({ length: nUsers }, (_, i) => ({
    _: 'user', contact: i % 3 === 0, id: 1000n + BigInt(i), access_hash: -123456789012345n * BigInt(i + 1),
    first_name: `User ${i}`, last_name: i % 2 ? 'Tester' : undefined, username: `user_${i}`,
    photo: { _: 'userProfilePhoto', photo_id: 99999999n + BigInt(i), dc_id: 2 },
    status: { _: 'userStatusRecently', by_me: false },
  }));
  const messages = Array.from({ length: nMessages }, (_, i) => ({
    _: 'message', out: i % 2 === 0, id: 5000 + i,
    from_id: { _: 'peerUser', user_id: 1000n + BigInt(i % nUsers) },
    peer_id: { _: 'peerUser', user_id: 1000n + BigInt((i + 1) % nUsers) },
    date: 1_700_000_000 + i * 7, message: `Message number ${i}: the quick brown fox jumps over the lazy dog.`,
    entities: i % 4 === 0 ? [{ _: 'messageEntityBold', offset: 0, length: 7 }] : undefined,
  }));
  return { _: 'messages.messages', messages, topics: [], chats: [], users };
}
