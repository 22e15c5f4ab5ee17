-- A small fleet for the host and repo read queries (hostview_test.go). The clock in the tests
-- is 2026-11-21 12:00:00 UTC.
INSERT INTO os_groups (id, name) VALUES (1, 'Debian 12');
INSERT INTO os_variants (id, name, os_group_id) VALUES
    (1, 'Debian GNU/Linux 12 (bookworm)', 1),
    (2, 'Rocky Linux 9.4 (Blue Onyx)', NULL);
INSERT INTO packages (id, type, name, arch, epoch, version, release) VALUES
    (1, 'deb', 'openssl', 'amd64', '', '3.0.11', '1~deb12u1'),
    (2, 'deb', 'openssl', 'amd64', '', '3.0.15', '1~deb12u1'),
    (3, 'deb', 'bash', 'amd64', '', '5.2.15', '2+b2'),
    (4, 'deb', 'bash', 'amd64', '', '5.2.15', '2+b7'),
    (5, 'deb', 'curl', 'amd64', '', '7.88.1', '10+deb12u5'),
    (6, 'deb', 'tzdata', 'all', '1', '2024a', '0+deb12u1');
-- members are IDSet encodings: {1,3,5,6} = deltas 1,2,2,1; {3} = 3.
INSERT INTO package_sets (id, digest, count, members) VALUES
    (1, x'01', 4, x'01020201'),
    (2, x'02', 1, x'03');
INSERT INTO repos (id, name, type, arch, repo_ident, security, enabled, created) VALUES
    (1, 'Debian bookworm main', 'deb', 'amd64', '', 0, 1, '2026-11-01 00:00:00+00:00'),
    (2, 'Debian bookworm-security main', 'deb', 'amd64', '', 1, 1, '2026-11-01 00:00:00+00:00'),
    (3, 'Rocky BaseOS', 'rpm', 'x86_64', 'baseos', 0, 1, '2026-11-01 00:00:00+00:00');
INSERT INTO mirrors (id, repo_id, url, last_attempt, last_success, last_error, fail_count, package_count, freshness) VALUES
    (1, 1, 'http://mirror.example.org/debian/dists/bookworm/main/binary-amd64', '2026-11-21 11:00:00+00:00',
        '2026-11-21 11:00:00+00:00', '', 0, 63000, '2026-11-09 10:00:00+00:00'),
    (2, 2, 'http://security.example.org/debian-security/dists/bookworm-security/main/binary-amd64',
        '2026-11-21 11:00:00+00:00', '2026-11-20 11:00:00+00:00', 'GET: 503 Service Unavailable', 2, 900, NULL),
    (3, 1, 'http://ftp.example.org/debian/dists/bookworm/main/binary-amd64', NULL, NULL, '', 0, 0, NULL);
INSERT INTO mirrors (id, repo_id, url, enabled, last_attempt, last_error, fail_count) VALUES
    (4, 3, 'http://old.example.org/rocky/BaseOS', 0, '2026-11-01 00:00:00+00:00', 'GET: 404 Not Found', 30);
INSERT INTO repo_sets (id, digest) VALUES (1, x'01'), (2, x'02');
INSERT INTO repo_set_members (set_id, repo_id, priority) VALUES (1, 1, 500), (1, 2, 990), (2, 1, 100);
INSERT INTO computations (id, package_set_id, repo_set_id, mode, computed, dirty, security_count, bugfix_count) VALUES
    (1, 1, 1, 'host', '2026-11-21 11:30:00+00:00', 0, 1, 1),
    (2, 2, 2, 'host', '2026-11-21 11:30:00+00:00', 0, 0, 0),
    (3, 1, 2, 'host', '2026-11-21 11:30:00+00:00', 0, 0, 1);
INSERT INTO computed_updates (computation_id, old_package_id, new_package_id, repo_id, security) VALUES
    (1, 3, 4, 1, 0),
    (1, 1, 2, 2, 1),
    (3, 3, 4, 1, 0);
INSERT INTO hosts (id, hostname, domain, os_variant_id, kernel, arch, ip, package_set_id, repo_set_id,
        computation_id, reboot_required, last_report, created) VALUES
    (1, 'web1', 'example.org', 1, '6.1.0-26-amd64', 'amd64', '192.0.2.1', 1, 1, 1, 1, '2026-11-21 11:00:00+00:00', '2026-11-01 00:00:00+00:00'),
    (2, 'web2', 'example.org', 1, '6.1.0-28-amd64', 'amd64', '192.0.2.2', 1, 2, 3, 0, '2026-11-21 10:00:00+00:00', '2026-11-01 00:00:00+00:00'),
    (3, 'db1', 'example.net', 2, '5.14.0-427', 'x86_64', '', 2, 2, 2, 0, '2026-10-01 00:00:00+00:00', '2026-10-01 00:00:00+00:00'),
    (4, 'new1', '', NULL, '', '', '', NULL, NULL, NULL, 0, NULL, '2026-11-21 00:00:00+00:00');
INSERT INTO host_tags (host_id, tag) VALUES (1, 'web'), (1, 'prod'), (2, 'web');
INSERT INTO host_client_updates (host_id, name, arch, version, repo, security) VALUES
    (2, 'curl', 'amd64', '7.88.1-10+deb12u8', 'bookworm-security', 1);
INSERT INTO reports (id, received, protocol, hostname, status, error) VALUES
    (1, '2026-11-21 11:59:00+00:00', '2', 'web1', 'pending', ''),
    (2, '2026-11-21 09:00:00+00:00', '1', 'bad1', 'rejected', 'no packages'),
    (3, '2026-11-01 09:00:00+00:00', '1', 'bad2', 'rejected', 'old failure');
