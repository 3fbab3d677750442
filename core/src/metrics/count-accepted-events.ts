import type { EventIngestor } from '../engine/event-ingestor.js';

/**
 * Wraps an ingestor so that every event stored as new is reported (by integration) once its
 * commit is done; duplicates and events of disabled integrations are not.
 */
export function countAcceptedEvents(
  ingestor: EventIngestor,
  onAccepted: (integrationId: string, count: number) => void,
): EventIngestor {
  return {
    ...ingestor,
    async ingest(events) {
      const outcomes = await ingestor.ingest(events);
      const counts = new Map<string, number>();
      outcomes.forEach((outcome, i) => {
        const event = events[i];
        if (outcome?.kind === 'accepted' && event)
          counts.set(event.integrationId, (counts.get(event.integrationId) ?? 0) + 1);
      });
      for (const [integrationId, count] of counts) onAccepted(integrationId, count);
      return outcomes;
    },
  };
}
