/* SPDX-License-Identifier: Apache-2.0
 * File: bench/spin/kafka_acks.pml (bench)
 * The Kafka acks protocol of bench/explore_spin.cpp, written in Promela for SPIN, so that the
 * explorer's state counts and speed can be set beside a classic model checker's on the same
 * question: does an acknowledged write survive one leader crash? Three replicas of one
 * partition, two producers sending two messages each (one request in flight, no retries),
 * followers fetching from the leader, the high watermark as the smallest log end offset in
 * the ISR, ISR shrink (a follower that lags, at any moment) and expansion (one caught up),
 * one crash of the leader at any moment, a clean election from the ISR, the old leader's
 * return and its truncation to the new leader's log (KIP-101). ACKS_ALL=0 is acks=1: the
 * leader answers once the record is in its own log; ACKS_ALL=1 is acks=all with
 * min.insync.replicas=2: it answers once the high watermark passes the record, and refuses a
 * write while the ISR is smaller than 2 (NotEnoughReplicas).
 * Sources: https://kafka.apache.org/documentation/#replication,
 * https://kafka.apache.org/documentation/#producerconfigs_acks, KIP-101.
 * The property, checked in every end state (nothing left to do, every replica up and caught
 * up): each acknowledged message is in the leader's log below the high watermark.
 * Run: spin -DACKS_ALL=1 -DP=2 -DM=2 -a kafka_acks.pml && cc -O2 -o pan pan.c && ./pan -m100000 */

#ifndef ACKS_ALL
#define ACKS_ALL 0
#endif
#define N 3            /* replicas */
#ifndef P
#define P 2            /* producers */
#endif
#ifndef M
#define M 2            /* messages per producer */
#endif
#define CAP (P * M)    /* log capacity: nothing is retried */
#define MIN_ISR 2
#define NONE 255

byte log[N * CAP];     /* log[r*CAP + o]: the message id at offset o of replica r; 0: none */
byte leo[N];           /* log end offsets */
byte hw;               /* the leader's high watermark */
byte leader;
byte epoch;
byte isr = 7;          /* bit mask of in-sync replicas */
bit up[N];
bit crashed;           /* the one crash of the budget was used */
bit acked[P * M + 1];

#define IN_ISR(r) ((isr >> (r)) & 1)
#define ISR_SIZE (IN_ISR(0) + IN_ISR(1) + IN_ISR(2))

/* hw = the smallest leo in the ISR; it never moves back. */
inline advance_hw() {
  byte m = 255;
  byte q = 0;
  do
  :: q < N -> if :: IN_ISR(q) && leo[q] < m -> m = leo[q] :: else -> skip fi; q++
  :: else -> break
  od;
  if :: m != 255 && m > hw -> hw = m :: else -> skip fi
}

proctype producer(byte p) {
  byte k = 0;
  byte id, off, e;
  do
  :: k < M ->
     id = p * M + k + 1;
     atomic {
       if
       :: leader != NONE && up[leader] && (!ACKS_ALL || ISR_SIZE >= MIN_ISR) ->
          off = leo[leader];
          log[leader * CAP + off] = id;
          leo[leader]++;
          e = epoch;
          if :: !ACKS_ALL -> acked[id] = 1 :: else -> skip fi
       :: else -> e = NONE  /* NotEnoughReplicas or no leader: the send fails */
       fi
     }
     if
     :: ACKS_ALL && e != NONE ->
        if
        :: atomic { epoch == e && hw > off -> acked[id] = 1 }
        :: atomic { epoch != e -> skip }  /* NOT_LEADER: the send fails, no retry */
        fi
     :: else -> skip
     fi;
     k++
  :: else -> break
  od
}

/* A follower: fetch the next record, or truncate where its log diverges from the leader's. */
proctype follower(byte r) {
  byte o;
  end:
  do
  :: atomic {
       leader != NONE && r != leader && up[r] && up[leader] && leo[r] < leo[leader] &&
       (leo[r] == 0 || log[r * CAP + leo[r] - 1] == log[leader * CAP + leo[r] - 1]) ->
       log[r * CAP + leo[r]] = log[leader * CAP + leo[r]];
       leo[r]++;
       advance_hw()
     }
  :: atomic {  /* KIP-101: cut back to the longest prefix shared with the leader */
       leader != NONE && r != leader && up[r] && up[leader] && leo[r] > 0 &&
       (leo[r] > leo[leader] || log[r * CAP + leo[r] - 1] != log[leader * CAP + leo[r] - 1]) ->
       o = 0;
       do
       :: o < leo[r] && o < leo[leader] && log[r * CAP + o] == log[leader * CAP + o] -> o++
       :: else -> break
       od;
       do
       :: leo[r] > o -> leo[r]--; log[r * CAP + leo[r]] = 0
       :: else -> break
       od
     }
  od
}

/* The leader's ISR changes and the controller: shrink, expand, the crash, the return. Each
 * option is enabled only when it changes something, so that an end state (SPIN's timeout) is
 * one where nothing is left to happen. */
#define SHRINK(r) (leader != NONE && up[leader] && r != leader && IN_ISR(r) && leo[r] < leo[leader])
#define EXPAND(r) (leader != NONE && up[leader] && r != leader && up[r] && !IN_ISR(r) && \
                   leo[r] == leo[leader] && \
                   (leo[r] == 0 || log[r * CAP + leo[r] - 1] == log[leader * CAP + leo[r] - 1]))

inline shrink(r) { isr = isr & ~(1 << r); advance_hw() }
inline expand(r) { isr = isr | (1 << r) }
inline restart(r) {
  up[r] = 1;
  if :: leader == NONE -> leader = r; isr = 1 << r :: else -> skip fi
}

proctype cluster() {
  end:
  do
  :: atomic { SHRINK(0) -> shrink(0) }  /* a follower lags past replica.lag.time.max.ms */
  :: atomic { SHRINK(1) -> shrink(1) }
  :: atomic { SHRINK(2) -> shrink(2) }
  :: atomic { EXPAND(0) -> expand(0) }  /* a follower caught up rejoins the ISR */
  :: atomic { EXPAND(1) -> expand(1) }
  :: atomic { EXPAND(2) -> expand(2) }
  :: atomic {  /* the leader crashes; a clean election picks a live ISR member */
       !crashed && leader != NONE && up[leader] ->
       crashed = 1;
       up[leader] = 0;
       isr = isr & ~(1 << leader);
       epoch++;
       if
       :: up[0] && IN_ISR(0) -> leader = 0
       :: up[1] && IN_ISR(1) -> leader = 1
       :: up[2] && IN_ISR(2) -> leader = 2
       :: else -> leader = NONE
       fi
     }
  :: atomic { !up[0] -> restart(0) }  /* the crashed broker returns */
  :: atomic { !up[1] -> restart(1) }
  :: atomic { !up[2] -> restart(2) }
  od
}

init {
  up[0] = 1; up[1] = 1; up[2] = 1;
  byte p = 0;
  atomic {
    do
    :: p < P -> run producer(p); p++
    :: else -> break
    od;
    run follower(0); run follower(1); run follower(2);
    run cluster()
  }
}

/* In an end state every acknowledged message is committed on the leader. */
active proctype check() {
  byte i, o;
  bit found;
  timeout ->
  assert(leader != NONE);
  i = 1;
  do
  :: i <= P * M ->
     if
     :: acked[i] ->
        found = 0;
        o = 0;
        do
        :: o < hw -> if :: log[leader * CAP + o] == i -> found = 1 :: else -> skip fi; o++
        :: else -> break
        od;
        assert(found)
     :: else -> skip
     fi;
     i++
  :: else -> break
  od
}
