//! The Kafka group coordinator, classic protocol with the eager range assignor (what
//! kafka-python 3.x and the Java client use by default, `kafka.md` k6a): groups by name, members
//! joining (the first join of an empty group waits `group.initial.rebalance.delay.ms`),
//! rebalances when a member joins, leaves or expires, that wait for the known members to rejoin
//! for at most the rebalance timeout (their `max.poll.interval.ms`) and drop those that do not,
//! generations, heartbeats with `session.timeout.ms`, SyncGroup, and the committed offsets per
//! (group, topic, partition) with Kafka's commit validation.
//!
//! A pure state machine (GroupMetadataManager + ClassicGroup of apache/kafka 4.x, classic
//! groups): the caller passes `now`, the random part of a member id, and calls `tick` at
//! `next_deadline` (or whenever it likes); it drains `take_events`.
//!
//! Invariants: a group's members are all active and belong to it; in `Stable` and
//! `CompletingRebalance` every member has rejoined in the current generation; in `Stable` the
//! members' assignments partition the subscribed topics' partitions (range assignor: each
//! partition to exactly one member); the generation only grows; offsets are committed only by a
//! member of the current generation outside `CompletingRebalance`, or by a generation -1
//! (simple consumer / admin) commit to an empty group.
//!
//! Simplified: the JoinGroup round trip that hands a new member its id (MEMBER_ID_REQUIRED,
//! KIP-394) is skipped; the SyncGroup timeout is not modelled (a leader that never syncs leaves
//! the group in `CompletingRebalance` until a member leaves or expires); static membership,
//! the KIP-848 protocol, and offsets retention are not modelled. When the leader is gone at
//! the end of a join, the new leader is the earliest-joined remaining member (Kafka picks the
//! first of a hash map's keys).

use super::cluster::TopicPartition;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `session.timeout.ms` default (Java ≥ 3.0 and kafka-python 3.x, KIP-735).
pub const DEFAULT_SESSION_TIMEOUT_MS: u64 = 45_000;
/// `heartbeat.interval.ms` default.
pub const DEFAULT_HEARTBEAT_INTERVAL_MS: u64 = 3_000;
/// `max.poll.interval.ms` default: the rebalance timeout a consumer sends in its JoinGroup.
pub const DEFAULT_MAX_POLL_INTERVAL_MS: u64 = 300_000;
/// `group.initial.rebalance.delay.ms` default (GroupCoordinatorConfig).
pub const DEFAULT_INITIAL_REBALANCE_DELAY_MS: u64 = 3_000;

/// A group, by its index in the coordinator (creation order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GroupKey(pub u16);

/// A member (one JoinGroup of a consumer with no member id yet), by its index in the
/// coordinator: every member ever, in creation order. Its Kafka member id is `member_id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MemberKey(pub u32);

/// `ClassicGroupState` (Dead is not modelled: groups are never deleted).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupState {
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
}

/// The errors the coordinator answers with (`Errors.java` names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupError {
    /// UNKNOWN_MEMBER_ID: not (or no longer) a member of the group.
    UnknownMemberId,
    /// ILLEGAL_GENERATION: a member of an older generation.
    IllegalGeneration,
    /// REBALANCE_IN_PROGRESS: the member must rejoin (heartbeat, sync), or the group is
    /// completing a rebalance (commit).
    RebalanceInProgress,
    /// INVALID_REQUEST: too many groups or members for the model's ids.
    InvalidRequest,
}

/// Why a rebalance started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RebalanceReason {
    /// The first member joined an empty group (the initial delay applies).
    InitialJoin,
    MemberJoined,
    MemberLeft,
    MemberExpired,
    /// The group leader sent JoinGroup again while the group was stable.
    LeaderRejoined,
}

/// What a consumer sends in its JoinGroup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberSettings {
    pub session_timeout_ms: u64,
    /// The rebalance timeout: the consumer's max.poll.interval.ms.
    pub rebalance_timeout_ms: u64,
    /// Subscribed topics (cluster topic indexes).
    pub topics: Vec<u16>,
}

impl Default for MemberSettings {
    fn default() -> Self {
        MemberSettings {
            session_timeout_ms: DEFAULT_SESSION_TIMEOUT_MS,
            rebalance_timeout_ms: DEFAULT_MAX_POLL_INTERVAL_MS,
            topics: vec![0],
        }
    }
}

/// What a SyncGroup got.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncOutcome {
    /// The leader has not synced yet: the request waits (an `Assigned` event comes).
    Waiting,
    /// The member's partitions for the current generation.
    Assigned(Vec<TopicPartition>),
}

/// Every state change of the coordinator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum GroupEvent {
    MemberJoined { group: GroupKey, member: MemberKey },
    /// The group entered PreparingRebalance: known members must rejoin by `deadline_ms`.
    RebalanceStarted { group: GroupKey, generation: i32, reason: RebalanceReason, deadline_ms: u64 },
    /// The join phase completed: the member's JoinGroup answer (generation, is it the leader).
    JoinCompleted { group: GroupKey, generation: i32, member: MemberKey, leader: bool },
    /// The member owns this partition in `generation` (delivered when the leader synced).
    Assigned { group: GroupKey, generation: i32, member: MemberKey, topic: u16, partition: u16 },
    /// The group is stable in `generation` (the leader's SyncGroup came).
    Stabilized { group: GroupKey, generation: i32, members: u16 },
    /// The group has no member left (after a join phase: its generation bumped).
    GroupEmpty { group: GroupKey, generation: i32 },
    MemberLeft { group: GroupKey, member: MemberKey },
    /// No heartbeat for session.timeout.ms (`expireClassicGroupMemberHeartbeat`).
    MemberExpired { group: GroupKey, member: MemberKey },
    /// It did not rejoin before the rebalance timeout: removed (`notYetRejoinedMembers`).
    MemberKicked { group: GroupKey, member: MemberKey },
    /// The committed offset (saturated to u32, as the cluster's events).
    OffsetCommitted { group: GroupKey, topic: u16, partition: u16, offset: u32 },
}

/// A Kafka member id: `client_id + "-" + UUID` (`ClassicGroup.generateMemberId`), the UUID the
/// caller's random 128 bits written as Java's `UUID.toString` does (8-4-4-4-12 lowercase hex).
/// For one client id, member ids sort as the numbers do.
pub fn member_id(client_id: &str, uuid: u128) -> String {
    format!(
        "{}-{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        client_id,
        (uuid >> 96) as u32,
        (uuid >> 80) as u16,
        (uuid >> 64) as u16,
        (uuid >> 48) as u16,
        uuid & 0xffff_ffff_ffff
    )
}

/// The range assignor (`RangeAssignor.assign`): for each topic, its subscribers sorted by
/// member id get consecutive ranges; the first `partitions % subscribers` get one more.
/// `members`: (member id, subscribed topics); `partitions_per_topic[t]`: topic t's partition
/// count. Returns each member's partitions, in the order of `members`.
pub fn range_assign(members: &[(&str, &[u16])], partitions_per_topic: &[u16]) -> Vec<Vec<TopicPartition>> {
    let mut assignment = vec![Vec::new(); members.len()];
    let mut topics: Vec<u16> = members.iter().flat_map(|(_, t)| t.iter().copied()).collect();
    topics.sort_unstable();
    topics.dedup();
    for topic in topics {
        let Some(&partitions) = partitions_per_topic.get(usize::from(topic)) else { continue };
        let mut subscribers: Vec<usize> = (0..members.len()).filter(|&i| members.get(i).is_some_and(|m| m.1.contains(&topic))).collect();
        subscribers.sort_by(|&a, &b| members.get(a).map(|m| m.0).cmp(&members.get(b).map(|m| m.0)));
        let count = subscribers.len();
        if count == 0 {
            continue;
        }
        let per_member = usize::from(partitions) / count;
        let extra = usize::from(partitions) % count;
        for (i, &member) in subscribers.iter().enumerate() {
            let start = per_member * i + i.min(extra);
            let length = per_member + usize::from(i < extra);
            if let Some(owned) = assignment.get_mut(member) {
                owned.extend((start..start + length).map(|p| TopicPartition::new(topic, p as u16)));
            }
        }
    }
    for owned in &mut assignment {
        owned.sort();
    }
    assignment
}

#[derive(Clone, Debug)]
struct Member {
    group: GroupKey,
    member_id: String,
    settings: MemberSettings,
    /// Still in its group (members are never forgotten, so keys stay valid).
    active: bool,
    last_heartbeat_ms: u64,
    /// Sent JoinGroup in the current rebalance (`isAwaitingJoin`).
    joined: bool,
    /// Sent SyncGroup and waits for the leader's (`isAwaitingSync`): kept alive meanwhile, and
    /// its session restarts when the answer goes out (`propagateAssignment`).
    awaiting_sync: bool,
    /// Computed at the end of the join phase, handed out at SyncGroup.
    assignment: Vec<TopicPartition>,
}

/// The initial rebalance delay (`InitialDelayedJoin`): its current delay and what remains of
/// the rebalance timeout.
#[derive(Clone, Copy, Debug)]
struct InitialDelay {
    delay_ms: u64,
    remaining_ms: u64,
}

#[derive(Clone, Debug)]
struct Group {
    name: String,
    state: GroupState,
    generation: i32,
    leader: Option<MemberKey>,
    /// Active members, in the order they joined.
    members: Vec<MemberKey>,
    /// When the join phase ends at the latest (PreparingRebalance).
    join_deadline_ms: Option<u64>,
    initial: Option<InitialDelay>,
    /// A member joined during the initial delay (`newMemberAdded`).
    new_member_added: bool,
}

/// The group coordinator of the cluster (one for all groups: the model has no
/// `__consumer_offsets` partitions and coordinator failover).
#[derive(Clone, Debug)]
pub struct GroupCoordinator {
    pub initial_rebalance_delay_ms: u64,
    partitions_per_topic: Vec<u16>,
    groups: Vec<Group>,
    members: Vec<Member>,
    offsets: BTreeMap<(GroupKey, TopicPartition), u64>,
    events: Vec<GroupEvent>,
}

impl GroupCoordinator {
    /// `partitions_per_topic[t]`: the partition count of cluster topic t (the metadata the
    /// group leader assigns from).
    pub fn new(partitions_per_topic: Vec<u16>, initial_rebalance_delay_ms: u64) -> Self {
        GroupCoordinator {
            initial_rebalance_delay_ms,
            partitions_per_topic,
            groups: Vec::new(),
            members: Vec::new(),
            offsets: BTreeMap::new(),
            events: Vec::new(),
        }
    }

    // ---- accessors ----

    pub fn group(&self, name: &str) -> Option<GroupKey> {
        self.groups.iter().position(|g| g.name == name).map(|i| GroupKey(i as u16))
    }

    pub fn group_name(&self, group: GroupKey) -> Option<&str> {
        self.groups.get(usize::from(group.0)).map(|g| g.name.as_str())
    }

    pub fn state(&self, group: GroupKey) -> Option<GroupState> {
        self.groups.get(usize::from(group.0)).map(|g| g.state)
    }

    pub fn generation(&self, group: GroupKey) -> Option<i32> {
        self.groups.get(usize::from(group.0)).map(|g| g.generation)
    }

    pub fn leader(&self, group: GroupKey) -> Option<MemberKey> {
        self.groups.get(usize::from(group.0)).and_then(|g| g.leader)
    }

    /// The group's members, in join order.
    pub fn members(&self, group: GroupKey) -> &[MemberKey] {
        self.groups.get(usize::from(group.0)).map_or(&[], |g| g.members.as_slice())
    }

    pub fn member_id(&self, member: MemberKey) -> Option<&str> {
        self.members.get(member.0 as usize).map(|m| m.member_id.as_str())
    }

    pub fn is_member(&self, member: MemberKey) -> bool {
        self.members.get(member.0 as usize).is_some_and(|m| m.active)
    }

    /// The member's partitions as of the last stable generation it was in (empty while a
    /// rebalance runs: eager protocol, everything was revoked).
    pub fn assignment(&self, member: MemberKey) -> &[TopicPartition] {
        match self.members.get(member.0 as usize) {
            Some(m) if m.active && self.state(m.group) == Some(GroupState::Stable) => &m.assignment,
            _ => &[],
        }
    }

    /// The group's committed offset of a partition (None: never committed; the consumer then
    /// uses auto.offset.reset).
    pub fn committed(&self, group: GroupKey, tp: TopicPartition) -> Option<u64> {
        self.offsets.get(&(group, tp)).copied()
    }

    pub fn take_events(&mut self) -> Vec<GroupEvent> {
        std::mem::take(&mut self.events)
    }

    /// The next time `tick` has something to do: a session expiry or the end of a join phase.
    pub fn next_deadline(&self) -> Option<u64> {
        self.next_deadline_where(&|_| true)
    }

    /// `next_deadline` of the groups `live` says are served (their coordinator is up).
    pub fn next_deadline_where(&self, live: &dyn Fn(GroupKey) -> bool) -> Option<u64> {
        let mut next: Option<u64> = None;
        let mut consider = |t: u64| next = Some(next.map_or(t, |n| n.min(t)));
        for (index, group) in self.groups.iter().enumerate() {
            if !live(GroupKey(index as u16)) {
                continue;
            }
            if let Some(t) = group.join_deadline_ms {
                consider(t);
            }
            for &key in &group.members {
                if let Some(m) = self.members.get(key.0 as usize) {
                    if !Self::kept_alive(group, m) {
                        consider(m.last_heartbeat_ms.saturating_add(m.settings.session_timeout_ms));
                    }
                }
            }
        }
        next
    }

    /// The coordinator of `group` came back (its broker restarted and loaded the group from
    /// `__consumer_offsets`): every member's session timer starts again now.
    pub fn reload(&mut self, now: u64, group: GroupKey) {
        let Some(g) = self.groups.get(usize::from(group.0)) else { return };
        for &key in &g.members {
            if let Some(m) = self.members.get_mut(key.0 as usize) {
                m.last_heartbeat_ms = m.last_heartbeat_ms.max(now);
            }
        }
    }

    // ---- requests ----

    /// A consumer with no member id sends JoinGroup to `group` (created if new): it becomes a
    /// member with id `member_id(client_id, uuid)`. An empty group starts its initial rebalance
    /// (`group.initial.rebalance.delay.ms`, extended while new members keep coming, within the
    /// rebalance timeout); a stable group starts a rebalance. The JoinGroup answer is the
    /// `JoinCompleted` event at the end of the join phase.
    pub fn join(&mut self, now: u64, group: &str, client_id: &str, uuid: u128, settings: MemberSettings) -> Result<MemberKey, GroupError> {
        let g = match self.group(group) {
            Some(g) => g,
            None => self.create_group(group)?,
        };
        let key = MemberKey(u32::try_from(self.members.len()).map_err(|_| GroupError::InvalidRequest)?);
        self.members.push(Member {
            group: g,
            member_id: member_id(client_id, uuid),
            settings,
            active: true,
            last_heartbeat_ms: now,
            joined: true,
            awaiting_sync: false,
            assignment: Vec::new(),
        });
        let Some(state) = self.groups.get_mut(usize::from(g.0)) else { return Err(GroupError::InvalidRequest) };
        if state.state == GroupState::PreparingRebalance && state.initial.is_some() {
            // ClassicGroupMetadataManager.addMemberAndRebalance: the initial delay may be extended.
            state.new_member_added = true;
        }
        state.members.push(key);
        if state.leader.is_none() {
            state.leader = Some(key);
        }
        self.events.push(GroupEvent::MemberJoined { group: g, member: key });
        match state.state {
            GroupState::Empty => self.prepare_rebalance(now, g, RebalanceReason::InitialJoin, Some(key)),
            GroupState::Stable | GroupState::CompletingRebalance => self.prepare_rebalance(now, g, RebalanceReason::MemberJoined, Some(key)),
            GroupState::PreparingRebalance => self.maybe_complete_join(now, g),
        }
        Ok(key)
    }

    /// A member sends JoinGroup again with its member id (after a heartbeat answered
    /// REBALANCE_IN_PROGRESS, or on its own). In a rebalance it counts as rejoined (the join
    /// phase ends once every member has); in a stable group only the leader's rejoin starts a
    /// rebalance (same subscription), otherwise it is answered with the current generation.
    pub fn rejoin(&mut self, now: u64, member: MemberKey) -> Result<(), GroupError> {
        let g = self.active_group_of(member)?;
        let state = self.groups.get(usize::from(g.0)).map(|x| (x.state, x.leader)).ok_or(GroupError::UnknownMemberId)?;
        if let Some(m) = self.members.get_mut(member.0 as usize) {
            m.last_heartbeat_ms = now;
        }
        match state {
            (GroupState::PreparingRebalance, _) => {
                if let Some(m) = self.members.get_mut(member.0 as usize) {
                    m.joined = true;
                }
                self.maybe_complete_join(now, g);
            }
            (GroupState::Stable, Some(leader)) if leader == member => {
                self.prepare_rebalance(now, g, RebalanceReason::LeaderRejoined, Some(member));
            }
            _ => {}
        }
        Ok(())
    }

    /// SyncGroup (`classicGroupSync`): the leader's sync hands out the assignment computed at the
    /// end of the join phase and makes the group stable (`Assigned` events for every member);
    /// a follower syncing before the leader waits.
    pub fn sync(&mut self, now: u64, member: MemberKey, generation: i32) -> Result<SyncOutcome, GroupError> {
        let g = self.active_group_of(member)?;
        let group = self.groups.get(usize::from(g.0)).ok_or(GroupError::UnknownMemberId)?;
        if generation != group.generation {
            return Err(GroupError::IllegalGeneration);
        }
        match group.state {
            GroupState::Empty => Err(GroupError::UnknownMemberId),
            GroupState::PreparingRebalance => Err(GroupError::RebalanceInProgress),
            GroupState::Stable => Ok(SyncOutcome::Assigned(self.assignment(member).to_vec())),
            GroupState::CompletingRebalance => {
                if group.leader != Some(member) {
                    if let Some(m) = self.members.get_mut(member.0 as usize) {
                        m.awaiting_sync = true;
                    }
                    return Ok(SyncOutcome::Waiting);
                }
                let members = group.members.clone();
                if let Some(group) = self.groups.get_mut(usize::from(g.0)) {
                    group.state = GroupState::Stable;
                }
                self.answer_syncs(now, &members);
                if let Some(m) = self.members.get_mut(member.0 as usize) {
                    m.last_heartbeat_ms = now;
                }
                for &key in &members {
                    let owned = self.members.get(key.0 as usize).map(|m| m.assignment.clone()).unwrap_or_default();
                    for tp in owned {
                        self.events.push(GroupEvent::Assigned { group: g, generation, member: key, topic: tp.topic, partition: tp.partition });
                    }
                }
                self.events.push(GroupEvent::Stabilized { group: g, generation, members: u16::try_from(members.len()).unwrap_or(u16::MAX) });
                Ok(SyncOutcome::Assigned(self.assignment(member).to_vec()))
            }
        }
    }

    /// A heartbeat (`classicGroupHeartbeat`): UNKNOWN_MEMBER_ID if not a member; ILLEGAL_GENERATION
    /// if `generation` is not the group's; REBALANCE_IN_PROGRESS while the group waits for its
    /// members to rejoin (the heartbeat still counts); else ok. Each accepted heartbeat restarts
    /// the member's session.
    pub fn heartbeat(&mut self, now: u64, member: MemberKey, generation: i32) -> Result<(), GroupError> {
        let g = self.active_group_of(member)?;
        let group = self.groups.get(usize::from(g.0)).ok_or(GroupError::UnknownMemberId)?;
        if generation != group.generation {
            return Err(GroupError::IllegalGeneration);
        }
        let state = group.state;
        if state == GroupState::Empty {
            return Err(GroupError::UnknownMemberId);
        }
        if let Some(m) = self.members.get_mut(member.0 as usize) {
            // The world replays a heartbeat thread's past ticks: one older than the session's
            // last restart (a join or sync answered since) does not move it back.
            m.last_heartbeat_ms = m.last_heartbeat_ms.max(now);
        }
        if state == GroupState::PreparingRebalance {
            return Err(GroupError::RebalanceInProgress);
        }
        Ok(())
    }

    /// LeaveGroup (a consumer's `close()`, or its poll-interval expiry): the member is removed at
    /// once and the group rebalances without waiting for its session to expire (k1e).
    pub fn leave(&mut self, now: u64, member: MemberKey) -> Result<(), GroupError> {
        let g = self.active_group_of(member)?;
        self.remove_member(now, g, member, RebalanceReason::MemberLeft);
        Ok(())
    }

    /// OffsetCommit (`ClassicGroup.validateOffsetCommit`): with `generation` -1 and no member, to
    /// an empty (or new) group: accepted (simple consumer). Otherwise the member must be in the
    /// group (UNKNOWN_MEMBER_ID) with the group's generation (ILLEGAL_GENERATION), and the group
    /// not completing a rebalance (REBALANCE_IN_PROGRESS). A commit during PreparingRebalance is
    /// accepted: that is how a consumer commits before it rejoins.
    pub fn commit(&mut self, group: &str, member: Option<MemberKey>, generation: i32, offsets: &[(TopicPartition, u64)]) -> Result<(), GroupError> {
        let g = match self.group(group) {
            Some(g) => g,
            None if generation < 0 && member.is_none() => self.create_group(group)?,
            // OffsetMetadataManager.validateOffsetCommit: an unknown group with a generation.
            None => return Err(GroupError::IllegalGeneration),
        };
        let state = self.groups.get(usize::from(g.0)).ok_or(GroupError::InvalidRequest)?;
        if generation < 0 && state.state == GroupState::Empty {
            // a simple consumer or the admin client
        } else if generation >= 0 || member.is_some() {
            let known = member.is_some_and(|m| self.members.get(m.0 as usize).is_some_and(|x| x.active && x.group == g));
            if !known {
                return Err(GroupError::UnknownMemberId);
            }
            if generation != state.generation {
                return Err(GroupError::IllegalGeneration);
            }
        } else {
            return Err(GroupError::UnknownMemberId);
        }
        if state.state == GroupState::CompletingRebalance {
            return Err(GroupError::RebalanceInProgress);
        }
        for &(tp, offset) in offsets {
            self.offsets.insert((g, tp), offset);
            let offset = u32::try_from(offset).unwrap_or(u32::MAX);
            self.events.push(GroupEvent::OffsetCommitted { group: g, topic: tp.topic, partition: tp.partition, offset });
        }
        Ok(())
    }

    // ---- timers ----

    /// Removes the members whose session expired: last heartbeat + session.timeout.ms ≤ now
    /// (`expireClassicGroupMemberHeartbeat` → `removeMemberAndUpdateClassicGroup`). A member that
    /// rejoined and waits for the join phase to end is kept alive meanwhile.
    pub fn expire(&mut self, now: u64) {
        self.expire_where(now, &|_| true);
    }

    fn expire_where(&mut self, now: u64, live: &dyn Fn(GroupKey) -> bool) {
        for g in 0..self.groups.len() {
            let key = GroupKey(g as u16);
            if !live(key) {
                continue;
            }
            let expired: Vec<MemberKey> = match self.groups.get(g) {
                Some(group) => group
                    .members
                    .iter()
                    .copied()
                    .filter(|k| {
                        self.members.get(k.0 as usize).is_some_and(|m| {
                            !Self::kept_alive(group, m) && m.last_heartbeat_ms.saturating_add(m.settings.session_timeout_ms) <= now
                        })
                    })
                    .collect(),
                None => continue,
            };
            for member in expired {
                self.remove_member(now, key, member, RebalanceReason::MemberExpired);
            }
        }
    }

    /// Everything due at `now`: session expiries, then join phases whose time is up (the initial
    /// delay, or the rebalance timeout: members that did not rejoin are removed).
    pub fn tick(&mut self, now: u64) {
        self.tick_where(now, &|_| true);
    }

    /// `tick` for the groups `live` says are served: a group whose coordinator is down keeps
    /// its state (no session expires, no join phase ends) until it is back.
    pub fn tick_where(&mut self, now: u64, live: &dyn Fn(GroupKey) -> bool) {
        self.expire_where(now, live);
        for g in 0..self.groups.len() {
            let key = GroupKey(g as u16);
            if !live(key) {
                continue;
            }
            let Some(group) = self.groups.get_mut(g) else { continue };
            if group.state != GroupState::PreparingRebalance || group.join_deadline_ms.is_none_or(|t| t > now) {
                continue;
            }
            match group.initial {
                // GroupMetadataManager.tryCompleteInitialRebalanceElseSchedule.
                Some(initial) if group.new_member_added && initial.remaining_ms != 0 => {
                    group.new_member_added = false;
                    let delay_ms = self.initial_rebalance_delay_ms.min(initial.remaining_ms);
                    let remaining_ms = initial.remaining_ms.saturating_sub(initial.delay_ms);
                    group.initial = Some(InitialDelay { delay_ms, remaining_ms });
                    group.join_deadline_ms = Some(now.saturating_add(delay_ms));
                }
                _ => self.complete_join(now, key),
            }
        }
    }

    // ---- internals ----

    /// A new, empty group named `name`.
    fn create_group(&mut self, name: &str) -> Result<GroupKey, GroupError> {
        let index = u16::try_from(self.groups.len()).map_err(|_| GroupError::InvalidRequest)?;
        self.groups.push(Group {
            name: name.to_string(),
            state: GroupState::Empty,
            generation: 0,
            leader: None,
            members: Vec::new(),
            join_deadline_ms: None,
            initial: None,
            new_member_added: false,
        });
        Ok(GroupKey(index))
    }

    /// A member waiting for the end of a join phase, or for the leader's SyncGroup, does not
    /// expire (`hasSatisfiedHeartbeat`).
    fn kept_alive(group: &Group, member: &Member) -> bool {
        group.state == GroupState::PreparingRebalance && member.joined || member.awaiting_sync
    }

    /// The waiting SyncGroups of `members` are answered (with the assignment, or with
    /// REBALANCE_IN_PROGRESS): their sessions restart now (`propagateAssignment`: "if any
    /// member's session expired while we were still awaiting ... the leader sync group, its
    /// expiration will be ignored").
    fn answer_syncs(&mut self, now: u64, members: &[MemberKey]) {
        for &key in members {
            if let Some(m) = self.members.get_mut(key.0 as usize) {
                if m.awaiting_sync {
                    m.awaiting_sync = false;
                    m.last_heartbeat_ms = now;
                }
            }
        }
    }

    fn active_group_of(&self, member: MemberKey) -> Result<GroupKey, GroupError> {
        match self.members.get(member.0 as usize) {
            Some(m) if m.active => Ok(m.group),
            _ => Err(GroupError::UnknownMemberId),
        }
    }

    fn rebalance_timeout_ms(&self, group: &Group) -> u64 {
        group.members.iter().filter_map(|k| self.members.get(k.0 as usize)).map(|m| m.settings.rebalance_timeout_ms).max().unwrap_or(0)
    }

    /// `prepareRebalance`: the group waits for its members to (re)join; `joined`: the member whose
    /// JoinGroup caused it. From Empty the initial delay applies (`InitialDelayedJoin`), else the
    /// rebalance timeout (`DelayedJoin`).
    fn prepare_rebalance(&mut self, now: u64, g: GroupKey, reason: RebalanceReason, joined: Option<MemberKey>) {
        let Some(group) = self.groups.get(usize::from(g.0)) else { return };
        let timeout_ms = self.rebalance_timeout_ms(group);
        let from_empty = group.state == GroupState::Empty;
        let members = group.members.clone();
        // Members waiting for the leader's SyncGroup are told to rejoin (REBALANCE_IN_PROGRESS).
        self.answer_syncs(now, &members);
        for key in members {
            if let Some(m) = self.members.get_mut(key.0 as usize) {
                m.joined = Some(key) == joined;
                m.assignment.clear();
            }
        }
        let initial_delay_ms = self.initial_rebalance_delay_ms;
        let Some(group) = self.groups.get_mut(usize::from(g.0)) else { return };
        let deadline_ms = if from_empty {
            group.initial = Some(InitialDelay { delay_ms: initial_delay_ms, remaining_ms: timeout_ms.saturating_sub(initial_delay_ms) });
            group.new_member_added = false;
            now.saturating_add(initial_delay_ms)
        } else {
            group.initial = None;
            now.saturating_add(timeout_ms)
        };
        group.state = GroupState::PreparingRebalance;
        group.join_deadline_ms = Some(deadline_ms);
        self.events.push(GroupEvent::RebalanceStarted { group: g, generation: group.generation, reason, deadline_ms });
        self.maybe_complete_join(now, g);
    }

    /// The join phase ends early once every member has rejoined (`tryCompleteJoin`), except
    /// during the initial delay, which always runs its course.
    fn maybe_complete_join(&mut self, now: u64, g: GroupKey) {
        let Some(group) = self.groups.get(usize::from(g.0)) else { return };
        if group.state != GroupState::PreparingRebalance || group.initial.is_some() {
            return;
        }
        let all_joined = group.members.iter().all(|k| self.members.get(k.0 as usize).is_some_and(|m| m.joined));
        if all_joined {
            self.complete_join(now, g);
        }
    }

    /// `onCompleteJoin`: members that did not rejoin are removed; the generation grows; an empty
    /// group goes Empty, otherwise CompletingRebalance with a leader and the range assignment
    /// ready for the leader's SyncGroup. Every member's session restarts.
    fn complete_join(&mut self, now: u64, g: GroupKey) {
        let Some(group) = self.groups.get(usize::from(g.0)) else { return };
        let members = group.members.clone();
        let kicked: Vec<MemberKey> = members.iter().copied().filter(|k| self.members.get(k.0 as usize).is_some_and(|m| !m.joined)).collect();
        for &key in &kicked {
            if let Some(m) = self.members.get_mut(key.0 as usize) {
                m.active = false;
                m.assignment.clear();
            }
            self.events.push(GroupEvent::MemberKicked { group: g, member: key });
        }
        let remaining: Vec<MemberKey> = members.into_iter().filter(|k| !kicked.contains(k)).collect();
        let named: Vec<(String, Vec<u16>)> = remaining
            .iter()
            .map(|k| self.members.get(k.0 as usize).map(|m| (m.member_id.clone(), m.settings.topics.clone())).unwrap_or_default())
            .collect();
        let borrowed: Vec<(&str, &[u16])> = named.iter().map(|(id, topics)| (id.as_str(), topics.as_slice())).collect();
        let assignment = range_assign(&borrowed, &self.partitions_per_topic);
        for (key, owned) in remaining.iter().zip(assignment) {
            if let Some(m) = self.members.get_mut(key.0 as usize) {
                m.assignment = owned;
                m.last_heartbeat_ms = now;
            }
        }
        let Some(group) = self.groups.get_mut(usize::from(g.0)) else { return };
        group.members = remaining.clone();
        group.generation = group.generation.saturating_add(1);
        group.join_deadline_ms = None;
        group.initial = None;
        group.new_member_added = false;
        let generation = group.generation;
        if remaining.is_empty() {
            group.state = GroupState::Empty;
            group.leader = None;
            self.events.push(GroupEvent::GroupEmpty { group: g, generation });
            return;
        }
        if group.leader.is_none_or(|l| !remaining.contains(&l)) {
            group.leader = remaining.first().copied();
        }
        group.state = GroupState::CompletingRebalance;
        let leader = group.leader;
        for key in remaining {
            self.events.push(GroupEvent::JoinCompleted { group: g, generation, member: key, leader: Some(key) == leader });
        }
    }

    /// `removeMemberAndUpdateClassicGroup`: the member goes; a stable (or completing) group
    /// rebalances, a rebalancing one may now have everyone it waits for.
    fn remove_member(&mut self, now: u64, g: GroupKey, member: MemberKey, reason: RebalanceReason) {
        if let Some(m) = self.members.get_mut(member.0 as usize) {
            m.active = false;
            m.awaiting_sync = false;
            m.assignment.clear();
        }
        self.events.push(match reason {
            RebalanceReason::MemberExpired => GroupEvent::MemberExpired { group: g, member },
            _ => GroupEvent::MemberLeft { group: g, member },
        });
        let Some(group) = self.groups.get_mut(usize::from(g.0)) else { return };
        group.members.retain(|&k| k != member);
        if group.leader == Some(member) {
            group.leader = group.members.first().copied();
        }
        match group.state {
            GroupState::Stable | GroupState::CompletingRebalance => self.prepare_rebalance(now, g, reason, None),
            GroupState::PreparingRebalance => self.maybe_complete_join(now, g),
            GroupState::Empty => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_ids_look_like_kafkas_and_sort_by_uuid() {
        let id = member_id("kafka-python-3.0.12", 0x0123_4567_89ab_cdef_0011_2233_4455_6677);
        assert_eq!(id, "kafka-python-3.0.12-01234567-89ab-cdef-0011-223344556677");
        assert!(member_id("c", 1) < member_id("c", 2));
    }

    #[test]
    fn range_gives_the_first_members_one_more() {
        let a: &[u16] = &[0];
        let got = range_assign(&[("b", a), ("a", a)], &[3]);
        assert_eq!(got, vec![vec![TopicPartition::new(0, 2)], vec![TopicPartition::new(0, 0), TopicPartition::new(0, 1)]]);
        let got = range_assign(&[("a", a), ("b", a), ("c", a), ("d", a)], &[3]);
        assert_eq!(got.iter().map(Vec::len).collect::<Vec<_>>(), vec![1, 1, 1, 0]);
    }
}
