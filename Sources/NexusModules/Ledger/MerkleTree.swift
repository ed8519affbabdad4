import Crypto

/// RFC 6962 Merkle tree hashing: leaf = SHA-256(0x00 ‖ data), node = SHA-256(0x01 ‖ left ‖ right),
/// the tree hash of n leaves splits at the largest power of two below n, and the empty tree
/// hashes to SHA-256 of nothing. Audit and consistency paths and their checks follow RFC 6962
/// §2.1.1–2.1.2 and RFC 9162 §2.1.3.2 and §2.1.4.2.
public enum MerkleTree {
    /// The hash of a leaf holding `data`.
    public static func leafHash(_ data: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: [0x00] + data))
    }

    /// The hash of an inner node.
    public static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: [0x01] + left + right))
    }

    /// The tree hash over these leaf hashes.
    public static func root(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        switch leaves.count {
        case 0: return Array(SHA256.hash(data: [UInt8]()))
        case 1: return leaves[leaves.startIndex]
        default:
            let split = leaves.startIndex + largestPowerOfTwo(below: leaves.count)
            return nodeHash(root(leaves[..<split]), root(leaves[split...]))
        }
    }

    /// The tree hash over these leaf hashes.
    public static func root(_ leaves: [[UInt8]]) -> [UInt8] {
        root(leaves[...])
    }

    /// The audit path proving that leaf `index` is in the tree over `leaves`.
    public static func inclusionProof(index: Int, leaves: [[UInt8]]) -> [[UInt8]] {
        precondition(leaves.indices.contains(index), "leaf \(index) is not in a tree of \(leaves.count)")
        return path(index, leaves[...])
    }

    private static func path(_ index: Int, _ leaves: ArraySlice<[UInt8]>) -> [[UInt8]] {
        guard leaves.count > 1 else { return [] }
        let k = largestPowerOfTwo(below: leaves.count)
        let split = leaves.startIndex + k
        if index < k {
            return path(index, leaves[..<split]) + [root(leaves[split...])]
        }
        return path(index - k, leaves[split...]) + [root(leaves[..<split])]
    }

    /// Whether `proof` shows that `leafHash` is leaf `index` of the tree of `treeSize` leaves
    /// whose hash is `root`.
    public static func verifyInclusion(index: Int, treeSize: Int, leafHash: [UInt8], proof: [[UInt8]], root: [UInt8]) -> Bool {
        guard index >= 0, index < treeSize else { return false }
        var fn = index
        var sn = treeSize - 1
        var hash = leafHash
        for sibling in proof {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                hash = nodeHash(sibling, hash)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                hash = nodeHash(hash, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && hash == root
    }

    /// The consistency proof (RFC 6962 §2.1.2) that the tree of the first `size` leaves is a
    /// prefix of the tree over all `leaves`: what a witness who kept an older signed head needs to
    /// check that the log only grew.
    public static func consistencyProof(size: Int, leaves: [[UInt8]]) -> [[UInt8]] {
        precondition(size > 0 && size <= leaves.count, "a consistency proof needs 0 < \(size) <= \(leaves.count)")
        return subproof(size, leaves[...], complete: true)
    }

    private static func subproof(_ size: Int, _ leaves: ArraySlice<[UInt8]>, complete: Bool) -> [[UInt8]] {
        if size == leaves.count { return complete ? [] : [root(leaves)] }
        let k = largestPowerOfTwo(below: leaves.count)
        let split = leaves.startIndex + k
        if size <= k {
            return subproof(size, leaves[..<split], complete: complete) + [root(leaves[split...])]
        }
        return subproof(size - k, leaves[split...], complete: false) + [root(leaves[..<split])]
    }

    /// Whether `proof` shows that the tree of `firstSize` leaves with hash `firstRoot` is a prefix
    /// of the tree of `secondSize` leaves with hash `secondRoot` (RFC 9162 §2.1.4.2).
    public static func verifyConsistency(firstSize: Int, secondSize: Int, firstRoot: [UInt8], secondRoot: [UInt8], proof: [[UInt8]]) -> Bool {
        guard firstSize > 0, firstSize <= secondSize else { return false }
        if firstSize == secondSize { return proof.isEmpty && firstRoot == secondRoot }
        var path = proof
        if firstSize & (firstSize - 1) == 0 { path.insert(firstRoot, at: 0) }
        guard let head = path.first else { return false }
        var fn = firstSize - 1
        var sn = secondSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = head
        var sr = head
        for sibling in path.dropFirst() {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(sibling, fr)
                sr = nodeHash(sibling, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = nodeHash(sr, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && fr == firstRoot && sr == secondRoot
    }

    static func largestPowerOfTwo(below n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }
}
