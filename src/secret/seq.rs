//! Sequence numbers of a secret chat.
//!
//! ```text
//!   raw_out = messages we sent, raw_in = messages of the peer we processed in order
//!   out_seq_no = 2 * raw_out + (we created the chat ? 1 : 0)
//!   in_seq_no  = 2 * raw_in  + (we created the chat ? 0 : 1)
//! ```
//! Spec: <https://core.telegram.org/api/end-to-end/seq_no>.

use super::SecretError;

/// Where an incoming message fits in the peer's sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// The next expected message: process it now.
    Next,
    /// Already processed: drop it.
    Duplicate,
    /// Later than expected: there is a hole before it. Holds the message's raw number.
    Future(u32),
}

/// Both counters and what the peer acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeqState {
    /// Whether we created the chat (our out_seq_no are odd).
    pub creator: bool,
    /// Messages we sent.
    pub raw_out: u32,
    /// Peer messages processed in order.
    pub raw_in: u32,
    /// How many of our messages the peer said it processed (its in_seq_no).
    pub peer_received: u32,
}

impl SeqState {
    /// Fresh counters.
    pub fn new(creator: bool) -> Self {
        Self {
            creator,
            raw_out: 0,
            raw_in: 0,
            peer_received: 0,
        }
    }

    fn my_parity(&self) -> u32 {
        u32::from(self.creator)
    }

    fn peer_parity(&self) -> u32 {
        u32::from(!self.creator)
    }

    /// out_seq_no for our next message.
    pub fn next_out(&self) -> i32 {
        seq(self.raw_out, self.my_parity())
    }

    /// in_seq_no for our next message.
    pub fn current_in(&self) -> i32 {
        seq(self.raw_in, self.peer_parity())
    }

    /// The peer's seq_no for its raw number `raw`.
    pub fn peer_seq(&self, raw: u32) -> i32 {
        seq(raw, self.peer_parity())
    }

    /// Our seq_no for raw number `raw` back to the raw number, checking parity.
    pub fn my_raw(&self, seq_no: i32) -> Result<u32, SecretError> {
        raw_of(seq_no, self.my_parity())
    }

    /// Checks an incoming pair and says where the message goes. Does not change state.
    ///
    /// "If the parity is wrong, the chat must be aborted" ([`SecretError::SeqParity`]);
    /// "in_seq_no must not be greater than the out_seq_no of the last message sent".
    pub fn classify(&self, in_seq_no: i32, out_seq_no: i32) -> Result<Position, SecretError> {
        let their_out = raw_of(out_seq_no, self.peer_parity())?;
        let their_in = raw_of(in_seq_no, self.my_parity())?;
        if their_in > self.raw_out {
            return Err(SecretError::InSeqNoAhead);
        }
        Ok(if their_out < self.raw_in {
            Position::Duplicate
        } else if their_out == self.raw_in {
            Position::Next
        } else {
            Position::Future(their_out)
        })
    }

    /// Records a message processed in order (its pair already classified as Next).
    pub fn accept_in_order(&mut self, in_seq_no: i32) -> Result<(), SecretError> {
        let their_in = raw_of(in_seq_no, self.my_parity())?;
        // In the peer's sending order, in_seq_no never decreases.
        if their_in < self.peer_received {
            return Err(SecretError::InSeqNoBackwards);
        }
        self.peer_received = their_in;
        self.raw_in = self.raw_in.saturating_add(1);
        Ok(())
    }

    /// Takes the next outgoing pair (in_seq_no, out_seq_no) and counts the message.
    pub fn take_out(&mut self) -> (i32, i32) {
        let pair = (self.current_in(), self.next_out());
        self.raw_out = self.raw_out.saturating_add(1);
        pair
    }
}

fn seq(raw: u32, parity: u32) -> i32 {
    i32::try_from(raw.saturating_mul(2).saturating_add(parity)).unwrap_or(i32::MAX)
}

fn raw_of(seq_no: i32, parity: u32) -> Result<u32, SecretError> {
    let s = u32::try_from(seq_no).map_err(|_| SecretError::SeqParity)?;
    if s % 2 != parity {
        return Err(SecretError::SeqParity);
    }
    Ok(s / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creator_and_acceptor_agree() {
        let mut a = SeqState::new(true);
        let mut b = SeqState::new(false);
        for _ in 0..5 {
            let (i, o) = a.take_out();
            assert_eq!(b.classify(i, o), Ok(Position::Next));
            b.accept_in_order(i).unwrap();
            let (i, o) = b.take_out();
            assert_eq!(a.classify(i, o), Ok(Position::Next));
            a.accept_in_order(i).unwrap();
        }
        assert_eq!(a.next_out(), 11);
        assert_eq!(b.next_out(), 10);
    }

    #[test]
    fn parity_and_ranges() {
        let b = SeqState::new(false);
        assert_eq!(b.classify(0, 0), Err(SecretError::SeqParity)); // creator sends odd
        assert_eq!(b.classify(1, 1), Err(SecretError::SeqParity)); // our in parity is even
        assert_eq!(b.classify(-2, 1), Err(SecretError::SeqParity));
        assert_eq!(b.classify(2, 1), Err(SecretError::InSeqNoAhead));
        assert_eq!(b.classify(0, 5), Ok(Position::Future(2)));
    }
}
