// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_entry.hpp (layer: checker; private to checker/ordering_stream* and
// checker/delivery_stream*)
// What the streaming ordering pass holds per open message. Its own header because the
// delivery pass's open-message table carries it beside each delivery entry when both passes
// run on the same ops (stream_detail::OpenTable in checker/delivery_stream_state.hpp).
#pragma once

#include <cstdint>

namespace mqcheck::checker::ordering_detail {

inline constexpr std::uint64_t no_op = ~std::uint64_t{0};

/// What the pass holds about one message while it is open.
struct Entry {
  std::uint64_t last_touch = 0;  // The last op that named it.
  // Its send invoke: the first one; after a resend, that of the attempt that may alone have
  // written it (its place in its producer's order), or no_op while none may
  // (ordering_stream_resends.cpp).
  std::uint64_t sent_op = no_op;
  std::int64_t offset = 0;
  std::uint32_t topic = 0;
  std::uint32_t sent_position = 0;  // Its record's position in that invoke.
  std::uint32_t sender = 0;
  std::int32_t partition = 0;
  std::uint32_t groups = 0;  // Bits (group_bit) of the groups whose first ok processing was seen.
  // Its send invokes: 0, 1, or 2 for two or more (then StreamState::resends_ pairs them).
  std::uint8_t send_invokes : 2 = 0;
  // While one invoke: its attempt's outcome as send_outcomes.cpp pairs it (a StreamState::
  // outcome_* code: open, ok, info, fail), and whether another send op stated the message
  // without pairing with it (a batched invoke, a completion no open attempt takes, which may
  // have written it too): a resend is then a doubt.
  std::uint8_t first_outcome : 2 = 0;
  bool send_unpaired : 1 = false;
  // It was claimed at another offset: a span, whose other offsets StreamState::spans_ holds.
  bool spanned : 1 = false;
  // Bits (by StreamState filter index) of the tag-filtering groups whose filter rejects its
  // tag, once a send stated one (tag_known): those groups may skip its offset.
  std::uint8_t rejected_by = 0;
  // Flags as bits: a held message costs 48 bytes (its id and index cell are the delivery
  // pass's when the two share a table: stream_detail::OpenTable).
  bool has_partition : 1 = false;
  bool placed : 1 = false;  // An offset or a processing used its partition: none may come now.
  bool has_offset : 1 = false;
  bool has_key : 1 = false;
  bool has_send : 1 = false;
  bool acked : 1 = false;
  bool processed : 1 = false;           // Some group processed it `ok`.
  bool processed_unplaced : 1 = false;  // ...before any offset of it was known.
  bool live : 1 = false;                // Held by the ordering pass (its table may be shared).
  bool tag_known : 1 = false;           // A send stated its tag: rejected_by is final.
  bool abort_named : 1 = false;         // An ok txn-abort named it: any group may skip its offset.
  // Some op besides the one that claimed its offset stated that offset (a poll, a commit), or
  // it was resent (start_resend): a truncation cannot then take the claim away as
  // check_ordering's truncated_claims would. Ok sends never set it: each is an ack claim of
  // its own, kept in Unit::recent (StreamState::note_ack_again).
  bool restated : 1 = false;
  // A truncation took back its ack claim at `offset` while it was resent: the pass keeps the
  // offset (restated), though no op may state it there now. A span must not start from it.
  bool offset_voided : 1 = false;
};

}  // namespace mqcheck::checker::ordering_detail
