// A Hazelcast member as HazelcastMemberStarter runs it (configuration from -Dhazelcast.config),
// plus a loopback-only HTTP endpoint with what a client cannot read: the member's own map
// statistics (hits, get operations, evictions, owned and backup entries), whether its
// partitions are safe, and the last partition migration it saw. Compiled once per source
// version by lib/engines/hazelcast/mod.ts (javac, into the set-up's tool cache).
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.LocalMapStats;
import com.hazelcast.partition.MigrationListener;
import com.hazelcast.partition.MigrationState;
import com.hazelcast.partition.ReplicaMigrationEvent;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

public final class DsbenchMember {
  private static volatile String lastMigration = "null";
  private static volatile long migrationsStarted = 0;
  private static volatile long migrationsFinished = 0;
  private static volatile long replicaMigrationsFailed = 0;
  // isClusterSafe() asks every member and blocks while one is unreachable, so a daemon thread
  // evaluates it and the endpoint answers at once with the last value.
  private static volatile boolean clusterSafe = false;
  private static volatile boolean localSafe = false;
  private static volatile long safeCheckedAt = 0;

  private static String state(MigrationState s) {
    return "{\"startTime\":" + s.getStartTime() + ",\"planned\":" + s.getPlannedMigrations()
        + ",\"completed\":" + s.getCompletedMigrations() + ",\"remaining\":"
        + s.getRemainingMigrations() + ",\"elapsedMs\":" + s.getTotalElapsedTime() + "}";
  }

  public static void main(String[] args) throws Exception {
    int statsPort = Integer.parseInt(args[0]);
    HazelcastInstance hz = Hazelcast.newHazelcastInstance();
    hz.getPartitionService().addMigrationListener(new MigrationListener() {
      public void migrationStarted(MigrationState s) { migrationsStarted++; }
      public void migrationFinished(MigrationState s) { migrationsFinished++; lastMigration = state(s); }
      public void replicaMigrationCompleted(ReplicaMigrationEvent e) {}
      public void replicaMigrationFailed(ReplicaMigrationEvent e) { replicaMigrationsFailed++; }
    });
    Thread safety = new Thread(() -> {
      while (true) {
        try {
          clusterSafe = hz.getPartitionService().isClusterSafe();
          localSafe = hz.getPartitionService().isLocalMemberSafe();
          safeCheckedAt = System.currentTimeMillis();
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          clusterSafe = false;
        }
      }
    }, "dsbench-safety");
    safety.setDaemon(true);
    safety.start();
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", statsPort), 0);
    http.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(2));
    http.createContext("/stats", ex -> {
      String q = ex.getRequestURI().getQuery();
      String map = q != null && q.startsWith("map=") ? q.substring(4) : "cache";
      String body;
      try {
        LocalMapStats m = hz.getMap(map).getLocalMapStats();
        Runtime rt = Runtime.getRuntime();
        body = "{\"map\":\"" + map + "\",\"ownedEntries\":" + m.getOwnedEntryCount()
            + ",\"backupEntries\":" + m.getBackupEntryCount()
            + ",\"ownedEntryMemoryCost\":" + m.getOwnedEntryMemoryCost()
            + ",\"backupEntryMemoryCost\":" + m.getBackupEntryMemoryCost()
            + ",\"heapCost\":" + m.getHeapCost()
            + ",\"hits\":" + m.getHits() + ",\"gets\":" + m.getGetOperationCount()
            + ",\"puts\":" + m.getPutOperationCount() + ",\"sets\":" + m.getSetOperationCount()
            + ",\"removes\":" + m.getRemoveOperationCount()
            + ",\"evictions\":" + m.getEvictionCount() + ",\"expirations\":" + m.getExpirationCount()
            + ",\"members\":" + hz.getCluster().getMembers().size()
            + ",\"clusterSafe\":" + clusterSafe
            + ",\"localSafe\":" + localSafe
            + ",\"safeAgeMs\":" + (System.currentTimeMillis() - safeCheckedAt)
            + ",\"migrationsStarted\":" + migrationsStarted
            + ",\"migrationsFinished\":" + migrationsFinished
            + ",\"replicaMigrationsFailed\":" + replicaMigrationsFailed
            + ",\"lastMigration\":" + lastMigration
            + ",\"heapUsedBytes\":" + (rt.totalMemory() - rt.freeMemory())
            + ",\"heapMaxBytes\":" + rt.maxMemory() + "}";
      } catch (RuntimeException e) {
        body = "{\"error\":\"" + String.valueOf(e.getMessage()).replace("\"", "'") + "\"}";
      }
      byte[] out = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, out.length);
      try (OutputStream os = ex.getResponseBody()) { os.write(out); }
    });
    http.start();
  }
}
