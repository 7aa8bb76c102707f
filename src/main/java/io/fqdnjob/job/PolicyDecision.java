package io.fqdnjob.job;

import io.fqdnjob.kube.LiveNetworkPolicy;

/**
 * What a run does with the NetworkPolicy of one resource, decided from what was listed and what was
 * rendered; pure. The apply stage acts on it, and {@code fqdn-job check --migration} predicts a
 * first run with it, so that the prediction and the run cannot disagree.
 */
public enum PolicyDecision {
  /** No policy of that name exists: it is created. */
  CREATE,
  /** The policy is the resource's and differs from the rendered one: it is applied. */
  UPDATE,
  /** The policy is the resource's and matches: no write. */
  UNCHANGED,
  /** The name is taken by an object the resource does not control: left alone, reported. */
  CONFLICT,
  /** More address blocks than --max-peers-per-policy: not applied, reported. */
  TOO_LARGE;

  /**
   * Returns the decision for a resource that is due: its names were looked up and {@code rendered}
   * is what this run would apply.
   *
   * @param live the listed policy of the resource's name, or {@code null} when there is none
   * @param uid the resource's uid
   * @param peerCount the address blocks of the rendered policy
   */
  public static PolicyDecision forDue(
      LiveNetworkPolicy live,
      String uid,
      int peerCount,
      int maxPeersPerPolicy,
      LiveNetworkPolicy.Rendered rendered) {
    return decide(live, uid, peerCount, maxPeersPerPolicy, rendered, true);
  }

  /**
   * Returns the decision for a resource that is not due, whose policy is rendered from its status:
   * a policy that another writer deleted or changed is put back ({@link #CREATE}, {@link #UPDATE});
   * anything else is left for the resource's next due run ({@link #UNCHANGED}), including a policy
   * that is not the resource's or would be too large.
   */
  public static PolicyDecision forNotDue(
      LiveNetworkPolicy live,
      String uid,
      int peerCount,
      int maxPeersPerPolicy,
      LiveNetworkPolicy.Rendered rendered) {
    return decide(live, uid, peerCount, maxPeersPerPolicy, rendered, false);
  }

  /**
   * The one decision: a policy that is not the resource's, or one too large, is refused when the
   * resource is due and left for its next due run otherwise.
   */
  private static PolicyDecision decide(
      LiveNetworkPolicy live,
      String uid,
      int peerCount,
      int maxPeersPerPolicy,
      LiveNetworkPolicy.Rendered rendered,
      boolean due) {
    if (live != null && !live.belongsTo(uid)) {
      return due ? CONFLICT : UNCHANGED;
    }
    if (peerCount > maxPeersPerPolicy) {
      return due ? TOO_LARGE : UNCHANGED;
    }
    if (live == null) {
      return CREATE;
    }
    return live.matches(rendered) ? UNCHANGED : UPDATE;
  }
}
