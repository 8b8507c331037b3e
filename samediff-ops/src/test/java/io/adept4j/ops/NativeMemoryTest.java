package io.adept4j.ops;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The collection pacing's one setting is read and checked by name. */
class NativeMemoryTest {

    @Test
    void theTimeShareIsADefaultOrANumberInTheUnitInterval() {
        assertEquals(NativeMemory.DEFAULT_TIME_SHARE, NativeMemory.timeShare(null), 0);
        assertEquals(0.05, NativeMemory.timeShare("0.05"), 0);
        assertEquals(1.0, NativeMemory.timeShare("1"), 0);
        for (String bad : new String[]{"0", "-0.1", "1.5", "NaN", "fast"}) {
            String msg = assertThrows(IllegalArgumentException.class, () -> NativeMemory.timeShare(bad)).getMessage();
            assertTrue(msg.contains(NativeMemory.TIME_SHARE_PROPERTY) && msg.contains(bad), msg);
        }
    }
}
