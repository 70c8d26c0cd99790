//! Capacity lost to failures: an instance that fails or is reclaimed takes its tasks with it,
//! and each is counted as lost.

use super::*;

impl<'a> Ecs<'a> {
    /// Stops every task on the instance as lost to `cause`, then terminates it.
    pub(crate) fn lose_instance(
        &mut self,
        env: &mut Env<'a>,
        id: InstanceId,
        reason: &str,
        cause: StopReason,
    ) -> Result<(), SimError> {
        for t in self.cluster.instances[id.index()].tasks.ids(&self.tasks) {
            self.record_loss(env, t, cause);
        }
        self.terminate(env, id, reason, cause.code())
    }
}
