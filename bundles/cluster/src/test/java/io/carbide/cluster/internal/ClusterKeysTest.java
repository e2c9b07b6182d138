package io.carbide.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ClusterKeysTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void hkdfGivesTheResultOfRfc5869TestCase1() {
        byte[] ikm = new byte[22];
        Arrays.fill(ikm, (byte) 0x0b);
        byte[] prk = ClusterKeys.extract(HEX.parseHex("000102030405060708090a0b0c"), ikm);
        assertArrayEquals(HEX.parseHex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"), prk);
        assertArrayEquals(HEX.parseHex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"),
                ClusterKeys.expand(prk, HEX.parseHex("f0f1f2f3f4f5f6f7f8f9"), 42));
    }

    @Test
    void eachUseEachChannelAndEachDomainHasAKeyOfItsOwn() {
        byte[] secret = "a long random secret that nobody could ever guess".getBytes(StandardCharsets.UTF_8);
        ClusterKeys keys = ClusterKeys.derive(secret, "carbide");
        byte[] cluster = keys.sealKey("cluster").getEncoded();
        assertArrayEquals(cluster, ClusterKeys.derive(secret, "carbide").sealKey("cluster").getEncoded(),
                "every holder of the secret derives the same key");
        assertFalse(Arrays.equals(cluster, keys.sealKey("managers").getEncoded()));
        assertFalse(Arrays.equals(cluster, keys.joinKey()));
        assertFalse(Arrays.equals(cluster, ClusterKeys.derive(secret, "other").sealKey("cluster").getEncoded()));
        assertFalse(Arrays.equals(ClusterKeys.senderKey(keys.sealKey("cluster"), new byte[16]).getEncoded(),
                ClusterKeys.senderKey(keys.sealKey("cluster"), new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
                        .getEncoded()), "each sender counts its nonces under a key of its own");
    }
}
