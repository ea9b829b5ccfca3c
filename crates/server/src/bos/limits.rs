//! Per-user bounds on what one account can make the server hold (issue 17, item 6): the size
//! of an IM and of each of its fields, the offline IMs kept per account, the size of a feedbag
//! item, the names one session may watch. Each refusal is the code AOL and Open OSCAR Server
//! answer (docs/protocol.md §6.3, §7.2, §7.4, §7.1), logged with the reason.

/// The most bytes any TLV of a 04/06 other than the message data (0x0002, bounded by the
/// configured maximum message size) may carry: rendezvous data, icon information and flags
/// are tens of bytes in practice.
pub const MAX_IM_FIELD: usize = 2048;

/// How many bytes an IM's TLVs may take beyond the maximum message size (headers and the other
/// fields together), so the whole IM is bounded too.
pub const IM_OVERHEAD: usize = 4096;

/// The most offline IMs kept per recipient; beyond it senders get 04/01 code 0x04 with
/// subcode 0x000F ("offline inbox full", as Open OSCAR Server answers).
pub const MAX_OFFLINE_IMS: usize = 500;

/// The most bytes of IM data (TLVs) kept offline per recipient, answered like
/// [`MAX_OFFLINE_IMS`].
pub const MAX_OFFLINE_BYTES: usize = 512 * 1024;

/// The longest feedbag item name in bytes: the 97 that 13/03 TLV 0x0006 advertises.
pub const MAX_ITEM_NAME: usize = 97;

/// The most bytes of attributes (TLVs, headers included) one feedbag item may carry: room for
/// a group's 0x00C8 member list at the full 1,000 buddies, and alias, note and the like.
pub const MAX_ITEM_ATTRS: usize = 4096;

/// The most names one session may watch outside its feedbag (03/04 and 03/0F together): the
/// 1,000 buddies plus 160 temporary buddies that 03/03 advertises.
pub const MAX_WATCHED_PER_SESSION: usize = 1000 + 160;

/// The encoded size of a TLV block: four header bytes per TLV plus its value.
pub fn tlv_bytes(block: &crate::oscar::TlvBlock) -> usize {
    block.iter().map(|t| 4 + t.value.len()).sum()
}
