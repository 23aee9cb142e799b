// Which view is open. A store (not App state) so that a view can send the user to another one,
// e.g. Teach's "train a student on this network" button opening the Train view.
class NavStore {
  view = $state('');

  go(id: string): void {
    this.view = id;
  }
}

export const nav = new NavStore();
