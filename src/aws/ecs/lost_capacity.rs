//! Capacity lost to failures: an instance that fails or is reclaimed takes its tasks with it,
//! and each is counted as lost.

use super::*;

impl<'a> Ecs<'a> {
    /// Stops every task on the instance as lost, then terminates it.
    pub(crate) fn lose_instance(&mut self, env: &mut Env<'a>, id: InstanceId, reason: &str) -> Result<(), SimError> {
        for t in self.cluster.instances[id.index()].tasks.clone() {
            self.record_loss(env, t);
        }
        self.terminate(env, id, reason)
    }
}
