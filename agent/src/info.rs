//! What the node reports about itself after authenticating ([`InstanceInfo`]).
//!
//! Everything is read from the kernel and `/etc/os-release`, never from a command's
//! output. A value that cannot be read is reported empty rather than failing the
//! connection, and the result passes through [`InstanceInfo::bounded`] so it always fits
//! the protocol's limits.

use std::fs;
use std::net::IpAddr;

use bosun_protocol::InstanceInfo;

/// SSM's PlatformType for every node this agent runs on.
const PLATFORM_TYPE: &str = "Linux";

/// Reads the node's facts. Blocking (small file reads and `getifaddrs`).
pub(crate) fn collect() -> InstanceInfo {
    let hostname = read_trimmed("/proc/sys/kernel/hostname");
    let domain = read_trimmed("/proc/sys/kernel/domainname");
    let os = ["/etc/os-release", "/usr/lib/os-release"]
        .iter()
        .find_map(|path| fs::read_to_string(path).ok())
        .map(|text| parse_os_release(&text))
        .unwrap_or_default();
    InstanceInfo {
        computer_name: computer_name(&hostname, &domain),
        hostname,
        ip_addresses: ip_addresses(),
        platform_name: os.name,
        platform_version: os.version_id,
        platform_type: PLATFORM_TYPE.to_string(),
        kernel: read_trimmed("/proc/sys/kernel/osrelease"),
        architecture: std::env::consts::ARCH.to_string(),
        agent_version: env!("CARGO_PKG_VERSION").to_string(),
    }
    .bounded()
}

fn read_trimmed(path: &str) -> String {
    fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// The fully qualified name when the kernel knows a domain, else the host name.
fn computer_name(hostname: &str, domain: &str) -> String {
    if domain.is_empty() || domain == "(none)" || hostname.contains('.') {
        hostname.to_string()
    } else {
        format!("{hostname}.{domain}")
    }
}

/// Addresses of interfaces that are operationally up, loopback excluded; IPv4 first,
/// each address once.
fn ip_addresses() -> Vec<String> {
    let interfaces = match if_addrs::get_if_addrs() {
        Ok(interfaces) => interfaces,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list the network interfaces");
            return Vec::new();
        }
    };
    let mut addrs: Vec<IpAddr> = Vec::new();
    for ip in interfaces
        .iter()
        .filter(|i| i.is_oper_up() && !i.is_loopback())
        .map(|i| i.ip())
    {
        if !addrs.contains(&ip) {
            addrs.push(ip);
        }
    }
    addrs.sort_by_key(|ip| ip.is_ipv6());
    addrs.iter().map(IpAddr::to_string).collect()
}

/// The two fields of os-release(5) the agent reports.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct OsRelease {
    pub(crate) name: String,
    pub(crate) version_id: String,
}

impl Default for OsRelease {
    /// os-release(5): "If not set, a default of NAME=Linux may be used."
    fn default() -> Self {
        OsRelease {
            name: "Linux".to_string(),
            version_id: String::new(),
        }
    }
}

/// Parses os-release(5): `KEY=value` lines, values optionally in single or double quotes
/// (with backslash escapes inside double quotes), `#` comments; later lines win.
pub(crate) fn parse_os_release(text: &str) -> OsRelease {
    let mut release = OsRelease::default();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = unquote(value.trim());
        match key.trim() {
            "NAME" if !value.is_empty() => release.name = value,
            "VERSION_ID" => release.version_id = value,
            _ => {}
        }
    }
    release
}

fn unquote(value: &str) -> String {
    let mut chars = value.chars();
    match chars.next() {
        Some(q @ ('"' | '\'')) => {
            let mut out = String::new();
            let mut escaped = false;
            for c in chars {
                if escaped {
                    // Only these are escapes in shell double quotes; elsewhere the
                    // backslash stays.
                    if !matches!(c, '"' | '\\' | '$' | '`') {
                        out.push('\\');
                    }
                    out.push(c);
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    break;
                } else {
                    out.push(c);
                }
            }
            out
        }
        _ => value.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn os_release_table() {
        for (text, name, version) in [
            (
                "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n\
                 VERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nID=debian\n",
                "Debian GNU/Linux",
                "12",
            ),
            ("NAME=\"Ubuntu\"\nVERSION_ID=\"24.04\"\n", "Ubuntu", "24.04"),
            ("NAME=Fedora\nVERSION_ID=40\n", "Fedora", "40"),
            (
                "NAME='Alpine Linux'\nVERSION_ID='3.20.1'\n",
                "Alpine Linux",
                "3.20.1",
            ),
            // Arch has no VERSION_ID (rolling release).
            (
                "NAME=\"Arch Linux\"\nID=arch\nBUILD_ID=rolling\n",
                "Arch Linux",
                "",
            ),
            // Comments, blank lines, spaces, and lines that are not assignments.
            (
                "# comment\n\n  NAME = \"Spaced\"  \ngarbage\nVERSION_ID=1\n",
                "Spaced",
                "1",
            ),
            // Escapes inside double quotes.
            (
                r#"NAME="Say \"hi\" \\ \$HOME \q""#,
                r#"Say "hi" \ $HOME \q"#,
                "",
            ),
            // A later line wins; an empty NAME keeps the default.
            ("NAME=A\nNAME=B\n", "B", ""),
            ("NAME=\"\"\n", "Linux", ""),
            ("", "Linux", ""),
            // An unterminated quote takes the rest of the line.
            ("NAME=\"Open\nVERSION_ID=\"7", "Open", "7"),
        ] {
            assert_eq!(
                parse_os_release(text),
                OsRelease {
                    name: name.into(),
                    version_id: version.into()
                },
                "{text}"
            );
        }
    }

    #[test]
    fn computer_name_is_qualified_when_the_kernel_knows_a_domain() {
        for (host, domain, expected) in [
            ("web-1", "", "web-1"),
            ("web-1", "(none)", "web-1"),
            ("web-1", "corp.example", "web-1.corp.example"),
            ("web-1.corp.example", "corp.example", "web-1.corp.example"),
        ] {
            assert_eq!(computer_name(host, domain), expected);
        }
    }

    #[test]
    fn collected_info_describes_this_machine_within_bounds() {
        let info = collect();
        assert_eq!(info.platform_type, "Linux");
        assert_eq!(info.architecture, std::env::consts::ARCH);
        assert_eq!(info.agent_version, env!("CARGO_PKG_VERSION"));
        assert!(!info.kernel.is_empty());
        assert!(!info.platform_name.is_empty());
        assert_eq!(info.clone().bounded(), info);
        for ip in &info.ip_addresses {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(!ip.is_loopback(), "{ip}");
        }
    }
}
