// Which view is open. A store (not App state) so that a view can send the user to another one,
// e.g. Teach's "train a student on this network" button opening the Train view.
class NavStore {
  view = $state('');
  /** Set by the start path's "Take the tour": Teach opens its tour once a trip is on screen. */
  tourRequested = $state(false);

  go(id: string): void {
    this.view = id;
  }
}

export const nav = new NavStore();
