import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Turns NIO's connect errors into ``SMTPError``s an operator can read.
enum ConnectFailure {
    static func classify(_ error: Error, configuration: SessionStateMachine.Configuration) -> SMTPError {
        let server = configuration.server
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.isEmpty, let dnsError = error.dnsAError ?? error.dnsAAAAError {
                return SMTPError(kind: .hostNotFound(detail: String(describing: dnsError)), stage: .connect, server: server,
                                 hint: "check the host name and this machine's DNS resolver")
            }
            if error.connectionErrors.isEmpty {
                return SMTPError(kind: .hostNotFound(detail: "no address found"), stage: .connect, server: server,
                                 hint: "check the host name and this machine's DNS resolver")
            }
            let refused = error.connectionErrors.allSatisfy { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }
            if refused {
                return SMTPError(kind: .connectionRefused, stage: .connect, server: server,
                                 hint: "nothing listens on port \(configuration.port) there; check the port (587 STARTTLS, 465 implicit TLS, 25 relay)")
            }
            let details = error.connectionErrors.map { "\($0.target): \($0.error)" }.joined(separator: "; ")
            return SMTPError(kind: .connectionFailed(detail: details), stage: .connect, server: server)
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return SMTPError(kind: .connectTimeout, stage: .connect, server: server,
                             hint: "a firewall may drop outgoing SMTP (many providers block port 25); try 587 or 465")
        }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED {
            return SMTPError(kind: .connectionRefused, stage: .connect, server: server)
        }
        return SMTPError(kind: .connectionFailed(detail: String(describing: error)), stage: .connect, server: server)
    }
}
