import Logging
import Queue

extension DeliveryEngine {
    /// The pause reason of an account that is not in maild.conf, in one place for the engine
    /// and for a resume that must leave such an account out.
    static func unconfiguredAccountReason(_ account: String) -> String {
        "account \(account): not in maild.conf; add it back and `mailctl resume` the job, or cancel it"
    }

    /// Takes accounts that are no longer in maild.conf (removed by a reload, or while maild was
    /// stopped) out of the unfinished jobs that send through them, as a refused account is: a
    /// job left with no account is paused with a reason that says what to do, one with others
    /// goes on through them. Without this such a job showed `running` forever, with nothing
    /// sent and no word why.
    func pauseJobsOfUnconfiguredAccounts(configured: Set<String>) async {
        let missing: [String]
        do {
            missing = try await store.run { try $0.accountsInUse() }.subtracting(configured).sorted()
        } catch {
            logger.error("could not check the accounts of unfinished jobs", metadata: ["error": "\(error)"])
            return
        }
        for account in missing {
            let reason = Self.unconfiguredAccountReason(account)
            do {
                let result = try await store.run { try $0.pauseAccount(account, reason: reason) }
                for jobID in result.pausedJobs { noteHalted(jobID: jobID) }
                logger.error("unfinished jobs send through an account that is not configured", metadata: [
                    "account": "\(account)", "paused_jobs": "\(result.pausedJobs.map(String.init).joined(separator: ","))",
                    "jobs_going_on_through_other_accounts": "\(result.carriedOn.map { String($0.jobID) }.joined(separator: ","))",
                ])
                if !result.carriedOn.isEmpty { work.signal() }
            } catch {
                logger.error("could not pause the jobs of an account that is not configured", metadata: [
                    "account": "\(account)", "error": "\(error)",
                ])
            }
        }
    }
}
