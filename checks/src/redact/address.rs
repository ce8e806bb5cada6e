//! Prefix-preserving pseudonymisation of IP addresses and CIDR blocks (the Crypto-PAn
//! construction), so a redacted recording hides the task's addresses and its VPC's ranges and
//! still replays to the same network verdicts.
//!
//! The network checks compare addresses only by containment: is the endpoint subnet inside the
//! task's own subnet, does a security-group or ACL range cover the peer, does a `NO_PROXY`
//! entry cover the credential endpoint. A map that sends every block `a/n` to a block `b/n` of
//! the same size and keeps the tree of blocks (two addresses that share their first `k` bits
//! still share their first `k` bits) keeps every such relation, and also coverage by several
//! ranges at once: it is a bijection on addresses that maps blocks onto blocks.
//!
//! Crypto-PAn gets that by flipping bit `i` of an address by a keyed pseudorandom bit of its
//! first `i` bits: the output's first `i` bits depend only on the input's first `i` bits, and
//! every address is reachable. Here the flip is also forced to zero on the path to a few
//! well-known blocks, so those blocks map onto themselves: the private ranges keep their
//! prefix (`10.x.x.x` stays in `10/8`, so "is private" and "is public" keep their answer) with
//! only the host bits pseudonymised, and the AWS-defined link-local, loopback and multicast
//! ranges are kept whole (the exec agent's credential endpoint `169.254.170.2` must stay
//! recognisable). `0.0.0.0/0` and `::/0` have no bits to change and stay as they are.
//!
//! The key is derived from the recording's own account and VPC ids, which the redacted
//! recording does not contain: the same address gets the same pseudonym throughout a recording
//! and in every recording of the same VPCs, and a reader without the original ids cannot undo
//! the map (a fixed key could simply be run backwards). The pseudorandom function is SipHash-2-4.

use std::net::{Ipv4Addr, Ipv6Addr};

/// A block the map treats specially, in the family's bit width (`net` left-aligned).
struct Block {
    net: u128,
    len: u32,
    /// Kept entirely (AWS-defined or meaningless to hide) rather than only its prefix.
    whole: bool,
}

const fn v4(a: u8, b: u8, c: u8, d: u8, len: u32, whole: bool) -> Block {
    Block {
        net: u32::from_be_bytes([a, b, c, d]) as u128,
        len,
        whole,
    }
}

/// IPv4: private ranges keep their prefix; "this network", loopback, link-local (instance
/// metadata, the task credential endpoint, the VPC's DNS resolver at `169.254.169.253`),
/// multicast and the reserved range with the broadcast address are kept whole.
const V4_BLOCKS: &[Block] = &[
    v4(10, 0, 0, 0, 8, false),
    v4(172, 16, 0, 0, 12, false),
    v4(192, 168, 0, 0, 16, false),
    v4(100, 64, 0, 0, 10, false),
    v4(0, 0, 0, 0, 8, true),
    v4(127, 0, 0, 0, 8, true),
    v4(169, 254, 0, 0, 16, true),
    v4(224, 0, 0, 0, 4, true),
    v4(240, 0, 0, 0, 4, true),
];

/// IPv6: unique-local and link-local ranges keep their prefix; the unspecified and loopback
/// addresses, multicast, and `fd00:ec2::/32` (the instance metadata, DNS and time endpoints
/// AWS defines inside the unique-local range) are kept whole.
const V6_BLOCKS: &[Block] = &[
    Block {
        net: 0xfc00 << 112,
        len: 7,
        whole: false,
    },
    Block {
        net: 0xfe80 << 112,
        len: 10,
        whole: false,
    },
    Block {
        net: 0,
        len: 127,
        whole: true,
    },
    Block {
        net: 0xff00 << 112,
        len: 8,
        whole: true,
    },
    Block {
        net: 0xfd00_0ec2 << 96,
        len: 32,
        whole: true,
    },
];

/// `value >> shift`, zero when every bit is shifted out.
fn shr(value: u128, shift: u32) -> u128 {
    value.checked_shr(shift).unwrap_or(0)
}

/// The keyed, prefix-preserving map.
#[derive(Debug, Clone)]
pub(super) struct Addresses {
    key: (u64, u64),
}

impl Default for Addresses {
    fn default() -> Self {
        Addresses::new(&[])
    }
}

impl Addresses {
    /// A map keyed by `material` (the recording's account and VPC ids), in any order.
    pub(super) fn new(material: &[String]) -> Self {
        let mut material: Vec<&str> = material.iter().map(String::as_str).collect();
        material.sort_unstable();
        material.dedup();
        let mut message = b"ecs-exec-doctor/redact/addresses/v1".to_vec();
        for m in material {
            message.push(0);
            message.extend_from_slice(m.as_bytes());
        }
        let base = (0x6563_732d_6578_6563, 0x2d64_6f63_746f_7221); // "ecs-exec" "-doctor!"
        let k0 = siphash(base, &[&message[..], b"\x00"].concat());
        let k1 = siphash(base, &[&message[..], b"\x01"].concat());
        Addresses { key: (k0, k1) }
    }

    /// Whether bit `i` of every address whose first `i` bits are `prefix` keeps its value: on
    /// the path to a special block (so the block maps onto itself), or inside a block kept
    /// whole.
    fn kept(blocks: &[Block], width: u32, prefix: u128, i: u32) -> bool {
        blocks.iter().any(|b| {
            if i < b.len {
                prefix == shr(b.net, width - i)
            } else {
                b.whole && shr(prefix, i - b.len) == shr(b.net, width - b.len)
            }
        })
    }

    /// The pseudonym of `addr` (the low `width` bits).
    fn permute(&self, family: u8, blocks: &[Block], width: u32, addr: u128) -> u128 {
        let mut out = addr;
        for i in 0..width {
            let prefix = shr(addr, width - i);
            if Self::kept(blocks, width, prefix, i) {
                continue;
            }
            let mut message = [0u8; 18];
            message[0] = family;
            message[1] = i as u8;
            message[2..].copy_from_slice(&prefix.to_be_bytes());
            if siphash(self.key, &message) & 1 == 1 {
                out ^= 1 << (width - 1 - i);
            }
        }
        out
    }

    pub(super) fn ipv4(&self, addr: Ipv4Addr) -> Ipv4Addr {
        let mapped = self.permute(4, V4_BLOCKS, 32, u128::from(u32::from(addr)));
        Ipv4Addr::from(mapped as u32)
    }

    pub(super) fn ipv6(&self, addr: Ipv6Addr) -> Ipv6Addr {
        Ipv6Addr::from(self.permute(6, V6_BLOCKS, 128, u128::from(addr)))
    }

    /// The pseudonym of an address (`10.0.1.25`, `2600:1f18::5`) or a CIDR block
    /// (`10.0.0.0/16`, host bits set or not: the result has them cleared, as the checks read
    /// it), or `None` when `text` is neither.
    pub(super) fn map(&self, text: &str) -> Option<String> {
        let (addr, len) = match text.split_once('/') {
            Some((a, l)) if (1..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_digit()) => {
                (a, Some(l.parse::<u32>().ok()?))
            }
            Some(_) => return None,
            None => (text, None),
        };
        let (mapped, width) = if let Ok(ip) = addr.parse::<Ipv4Addr>() {
            (u128::from(u32::from(self.ipv4(ip))), 32)
        } else {
            (u128::from(self.ipv6(addr.parse::<Ipv6Addr>().ok()?)), 128)
        };
        let Some(len) = len else {
            return Some(show(mapped, width));
        };
        if len > width {
            return None;
        }
        let host = shr(u128::MAX, 128 - (width - len));
        Some(format!("{}/{len}", show(mapped & !host, width)))
    }
}

/// How many bits of an address or block the map may change (its prefix length, less the bits
/// it keeps on the way to a special block): a block with few has a real chance of mapping onto
/// itself (one in 256 for a `/16` in `10/8`), which tests must allow.
#[cfg(test)]
pub(super) fn free_bits(text: &str) -> Option<u32> {
    let (addr, len) = match text.split_once('/') {
        Some((a, l)) => (a, Some(l.parse::<u32>().ok()?)),
        None => (text, None),
    };
    let (addr, width, blocks) = match addr.parse::<Ipv4Addr>() {
        Ok(ip) => (u128::from(u32::from(ip)), 32, V4_BLOCKS),
        Err(_) => (u128::from(addr.parse::<Ipv6Addr>().ok()?), 128, V6_BLOCKS),
    };
    let len = len.unwrap_or(width).min(width);
    Some(
        (0..len)
            .filter(|&i| !Addresses::kept(blocks, width, shr(addr, width - i), i))
            .count() as u32,
    )
}

/// An address in its usual text form.
fn show(addr: u128, width: u32) -> String {
    if width == 32 {
        Ipv4Addr::from(addr as u32).to_string()
    } else {
        Ipv6Addr::from(addr).to_string()
    }
}

/// SipHash-2-4 of `message` under the 128-bit `key` (Aumasson and Bernstein, 2012).
fn siphash(key: (u64, u64), message: &[u8]) -> u64 {
    let mut v = [
        key.0 ^ 0x736f_6d65_7073_6575,
        key.1 ^ 0x646f_7261_6e64_6f6d,
        key.0 ^ 0x6c79_6765_6e65_7261,
        key.1 ^ 0x7465_6462_7974_6573,
    ];
    fn round(v: &mut [u64; 4]) {
        v[0] = v[0].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(13) ^ v[0];
        v[0] = v[0].rotate_left(32);
        v[2] = v[2].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(16) ^ v[2];
        v[0] = v[0].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(21) ^ v[0];
        v[2] = v[2].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(17) ^ v[2];
        v[2] = v[2].rotate_left(32);
    }
    fn compress(m: u64, v: &mut [u64; 4]) {
        v[3] ^= m;
        round(v);
        round(v);
        v[0] ^= m;
    }
    let mut chunks = message.chunks_exact(8);
    for chunk in chunks.by_ref() {
        compress(
            u64::from_le_bytes(chunk.try_into().expect("8 bytes")),
            &mut v,
        );
    }
    let mut last = [0u8; 8];
    let tail = chunks.remainder();
    last[..tail.len()].copy_from_slice(tail);
    last[7] = message.len() as u8;
    compress(u64::from_le_bytes(last), &mut v);
    v[2] ^= 0xff;
    for _ in 0..4 {
        round(&mut v);
    }
    v[0] ^ v[1] ^ v[2] ^ v[3]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::rules::Net4;

    #[test]
    fn siphash_matches_the_reference_vectors() {
        let key = (
            u64::from_le_bytes([0, 1, 2, 3, 4, 5, 6, 7]),
            u64::from_le_bytes([8, 9, 10, 11, 12, 13, 14, 15]),
        );
        let message: Vec<u8> = (0..15).collect();
        assert_eq!(siphash(key, &[]), 0x726f_db47_dd0e_0e31);
        assert_eq!(siphash(key, &message), 0xa129_ca61_49be_45e5);
        assert_eq!(siphash(key, &message[..8]), 0x93f5_f579_9a93_2462);
    }

    /// SplitMix64: a small deterministic generator, so a failure reproduces.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// A random IPv4 address, most of them in or next to the special blocks.
    fn address(rng: &mut Rng) -> u32 {
        let random = rng.next() as u32;
        match rng.below(4) {
            0 => random,
            _ => {
                let b = &V4_BLOCKS[rng.below(V4_BLOCKS.len() as u64) as usize];
                // The block's prefix, sometimes with one bit of it changed (a neighbour).
                let len = b.len;
                let mut net = b.net as u32;
                if rng.below(4) == 0 {
                    net ^= 1 << (32 - 1 - rng.below(u64::from(len)) as u32);
                }
                let host = u32::MAX >> len;
                (net & !host) | (random & host)
            }
        }
    }

    /// A second address sharing a random number of leading bits with `a`.
    fn near(rng: &mut Rng, a: u32) -> u32 {
        let shared = rng.below(33) as u32;
        let keep = if shared == 0 {
            0
        } else {
            u32::MAX << (32 - shared)
        };
        (a & keep) | (rng.next() as u32 & !keep)
    }

    fn cidr(addr: u32, len: u64) -> String {
        format!("{}/{len}", Ipv4Addr::from(addr))
    }

    #[test]
    fn containment_and_overlap_of_ipv4_blocks_are_kept() {
        let map = Addresses::new(&["vpc-0123456789abcdef0".into(), "123456789012".into()]);
        let mut rng = Rng(7);
        let (mut inside, mut overlapping, mut apart) = (0, 0, 0);
        for _ in 0..20_000 {
            let a = address(&mut rng);
            let b = near(&mut rng, a);
            let (x, y) = (cidr(a, rng.below(33)), cidr(b, rng.below(33)));
            let (mx, my) = (map.map(&x).unwrap(), map.map(&y).unwrap());
            let (nx, ny) = (Net4::parse(&x).unwrap(), Net4::parse(&y).unwrap());
            let (px, py) = (Net4::parse(&mx).unwrap(), Net4::parse(&my).unwrap());
            assert_eq!((nx.len, ny.len), (px.len, py.len), "{x} {y}");
            assert_eq!(nx.contains(&ny), px.contains(&py), "{x} in {y}: {mx} {my}");
            assert_eq!(ny.contains(&nx), py.contains(&px), "{y} in {x}: {my} {mx}");
            assert_eq!(nx.overlaps(&ny), px.overlaps(&py), "{x} {y}: {mx} {my}");
            // An address in a block: the same relation on the bare address.
            let ip = Ipv4Addr::from(b).to_string();
            let mip = map.map(&ip).unwrap();
            assert_eq!(
                nx.contains(&Net4::parse(&ip).unwrap()),
                px.contains(&Net4::parse(&mip).unwrap()),
                "{ip} in {x}: {mip} {mx}"
            );
            match (nx.contains(&ny), nx.overlaps(&ny)) {
                (true, _) => inside += 1,
                (false, true) => overlapping += 1,
                (false, false) => apart += 1,
            }
        }
        // The pairs exercise every relation.
        assert!(inside > 2_000 && overlapping > 2_000 && apart > 2_000);
    }

    #[test]
    fn special_ranges_keep_their_prefix_or_stay_whole() {
        let map = Addresses::new(&["vpc-0a".into()]);
        let mut rng = Rng(11);
        let mut changed = 0;
        for _ in 0..5_000 {
            let a = address(&mut rng);
            let m = u32::from(map.ipv4(Ipv4Addr::from(a)));
            for b in V4_BLOCKS {
                let host = u32::MAX >> b.len;
                let net = b.net as u32;
                assert_eq!(a & !host == net, m & !host == net, "{a:x} {m:x}");
                if b.whole && a & !host == net {
                    assert_eq!(a, m);
                }
            }
            changed += usize::from(a != m);
        }
        assert!(changed > 3_000, "only {changed} addresses changed");
        for kept in [
            "0.0.0.0/0",
            "169.254.170.2",
            "169.254.169.254",
            "127.0.0.1",
            "::/0",
            "::1",
        ] {
            assert_eq!(map.map(kept).as_deref(), Some(kept));
        }
        let private = map.map("10.0.1.25").unwrap();
        assert!(
            private.starts_with("10.") && private != "10.0.1.25",
            "{private}"
        );
        assert!(map.map("fd12:3456:789a::1").unwrap().starts_with("fd"));
        assert_eq!(map.map("fd00:ec2::254").as_deref(), Some("fd00:ec2::254"));
        let link_local = map.map("fe80::1").unwrap();
        assert!(
            ["fe8", "fe9", "fea", "feb"]
                .iter()
                .any(|p| link_local.starts_with(p))
        );
        let public = map.map("52.94.133.131").unwrap();
        let public = Net4::parse(&public).unwrap();
        assert!(!V4_BLOCKS.iter().any(|b| {
            let host = u32::MAX >> b.len;
            public.addr & !host == b.net as u32
        }));
    }

    #[test]
    fn cidr_text_is_normalised_and_junk_refused() {
        let map = Addresses::new(&[]);
        let net = map.map("10.0.1.5/16").unwrap();
        assert_eq!(Some(net.clone()), map.map("10.0.0.0/16"));
        assert!(net.ends_with(".0.0/16"), "{net}");
        let mapped = map.map("10.0.1.5").unwrap();
        assert!(
            Net4::parse(&net)
                .unwrap()
                .contains(&Net4::parse(&mapped).unwrap())
        );
        for junk in [
            "10.0.0.0/33",
            "10.0.0.0/",
            "abc",
            "10.0.0",
            "::/129",
            "1.2.3.4/1/2",
        ] {
            assert_eq!(map.map(junk), None, "{junk}");
        }
        // Another key, another map; the same key, the same map.
        let other = Addresses::new(&["vpc-0b".into()]);
        assert_ne!(map.map("10.0.1.5"), other.map("10.0.1.5"));
        assert_eq!(
            Addresses::new(&["b".into(), "a".into()]).map("10.0.1.5"),
            Addresses::new(&["a".into(), "b".into(), "a".into()]).map("10.0.1.5")
        );
    }

    #[test]
    fn ipv6_blocks_keep_their_relations() {
        let map = Addresses::new(&["vpc-0a".into()]);
        let mut rng = Rng(13);
        let span = |a: u128, len: u32| {
            let host = shr(u128::MAX, len);
            (a & !host, a | host)
        };
        for _ in 0..5_000 {
            let a = (u128::from(rng.next()) << 64) | u128::from(rng.next());
            let a = if rng.below(2) == 0 {
                (0xfd00 << 112) | (a >> 8)
            } else {
                a
            };
            let shared = rng.below(129) as u32;
            let keep = if shared == 0 {
                0
            } else {
                u128::MAX << (128 - shared)
            };
            let b =
                (a & keep) | (((u128::from(rng.next()) << 64) | u128::from(rng.next())) & !keep);
            let (n, m) = (rng.below(129) as u32, rng.below(129) as u32);
            let parse = |s: String| {
                let (addr, len) = s.split_once('/').unwrap();
                (
                    u128::from(addr.parse::<Ipv6Addr>().unwrap()),
                    len.parse::<u32>().unwrap(),
                )
            };
            let x = format!("{}/{n}", Ipv6Addr::from(a));
            let y = format!("{}/{m}", Ipv6Addr::from(b));
            let (pa, pn) = parse(map.map(&x).unwrap());
            let (pb, pm) = parse(map.map(&y).unwrap());
            let within = |(lo, hi): (u128, u128), (l2, h2): (u128, u128)| lo <= l2 && h2 <= hi;
            let meets = |(lo, hi): (u128, u128), (l2, h2): (u128, u128)| lo <= h2 && l2 <= hi;
            let (sx, sy, tx, ty) = (span(a, n), span(b, m), span(pa, pn), span(pb, pm));
            assert_eq!(within(sx, sy), within(tx, ty), "{x} {y}");
            assert_eq!(within(sy, sx), within(ty, tx), "{x} {y}");
            assert_eq!(meets(sx, sy), meets(tx, ty), "{x} {y}");
        }
    }
}
