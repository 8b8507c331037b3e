package io.adept4j.spark;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How a YARN application is set up from this JVM, without a cluster: the settings it would be started with. */
class SparkContextsTest {

    private static void site(Path dir, String file, String key, String value) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(file), "<?xml version=\"1.0\"?>\n<configuration><property><name>" + key
                + "</name><value>" + value + "</value></property></configuration>\n");
    }

    @Test
    void aYarnApplicationTakesTheSiteFilesOfBothFoldersThisInstallsJarsAndTheClientMode(@TempDir Path tmp)
            throws Exception {
        Path hadoop = tmp.resolve("hadoop");
        Path yarn = tmp.resolve("yarn");
        site(hadoop, "core-site.xml", "fs.defaultFS", "hdfs://nn:8020");
        site(yarn, "yarn-site.xml", "yarn.resourcemanager.address", "rm:8032");
        site(yarn, "hdfs-site.xml", "dfs.replication", "2");
        SparkConf conf = new SparkConf(false).set("spark.hadoop.dfs.replication", "3"); // the user's value wins
        SparkContexts.executorsLikeThisJvm(conf, Long.MAX_VALUE);
        SparkContexts.yarnLikeThisJvm(conf, List.of(hadoop.toFile(), yarn.toFile()));

        assertEquals("hdfs://nn:8020", conf.get("spark.hadoop.fs.defaultFS"));
        assertEquals("rm:8032", conf.get("spark.hadoop.yarn.resourcemanager.address"));
        assertEquals("3", conf.get("spark.hadoop.dfs.replication"));
        assertEquals("client", conf.get("spark.submit.deployMode"));
        String[] cp = conf.get("spark.executor.extraClassPath").split(File.pathSeparator);
        String[] jars = conf.get("spark.yarn.jars").split(",");
        assertEquals(cp.length, jars.length);
        for (int i = 0; i < cp.length; i++) {
            assertEquals("local:" + cp[i], jars[i], "the containers load this install's jars where they are");
        }
        assertEquals(conf.get("spark.executor.extraJavaOptions"), conf.get("spark.yarn.am.extraJavaOptions"));
        assertTrue(conf.get("spark.yarn.am.extraJavaOptions").contains("--add-opens"));
    }

    @Test
    void yarnIsRefusedWithoutTheClustersAddressAndAcceptedWithIt() {
        // the build's tests run without HADOOP_CONF_DIR / YARN_CONF_DIR
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkContexts.requireReachable(SparkContexts.YARN, Map.of()));
        assertTrue(e.getMessage().contains("HADOOP_CONF_DIR"), e.getMessage());
        SparkContexts.requireReachable(SparkContexts.YARN,
                Map.of("spark.hadoop.yarn.resourcemanager.address", "rm:8032"));
    }
}
