import { expect, type Locator, type Page } from '@playwright/test';

/** The network doctor panel on a container or network page, and any doctor run shown elsewhere. */
export class DoctorPanel {
  readonly root: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('doctor-panel').first();
  }

  /** Runs the doctor (or runs it again) and returns the run it shows once it is done. */
  async run(): Promise<Locator> {
    await this.root.scrollIntoViewIfNeeded();
    const button = this.root.locator('[data-testid="run-doctor"], [data-testid="doctor-run-again"]');
    const shown = this.root.getByTestId('doctor-run');
    const before = (await shown.count()) > 0 ? await shown.getAttribute('data-run-id') : null;
    await button.click();
    const run = this.root.getByTestId('doctor-run');
    if (before) await expect(run).not.toHaveAttribute('data-run-id', before);
    await expect(run).toHaveAttribute('data-state', 'done', { timeout: 40_000 });
    return run;
  }

  finding(run: Locator, code: string): Locator {
    return run.locator(`[data-testid="doctor-finding"][data-code="${code}"]`);
  }

  /** Opens a finding's evidence (folded until asked for) and returns it. */
  async evidence(finding: Locator): Promise<Locator> {
    const evidence = finding.getByTestId('doctor-evidence');
    await evidence.locator('summary').click();
    return evidence;
  }
}

/** The connectivity matrix: started from a network page, then its own page with the grid. */
export class MatrixPage {
  constructor(readonly page: Page) {}

  /** From a network page: start a matrix with these checks; resolves on the matrix's page. */
  async start(checks: readonly ('icmp' | 'tcp' | 'dns')[]): Promise<void> {
    const launcher = this.page.getByTestId('matrix-launcher');
    await launcher.scrollIntoViewIfNeeded();
    for (const check of ['icmp', 'tcp', 'dns'] as const) await launcher.getByTestId(`matrix-check-${check}`).setChecked(checks.includes(check));
    await launcher.getByTestId('start-matrix').click();
    await expect(this.page.getByTestId('matrix-page')).toBeVisible();
  }

  grid(): Locator {
    return this.page.getByTestId('matrix');
  }

  cell(from: string, to: string): Locator {
    return this.page.locator(`[data-testid="matrix-cell"][data-from="${from}"][data-to="${to}"]`);
  }

  async waitUntilDone(): Promise<void> {
    await expect(this.grid()).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  }

  /** Opens a cell's details (its reasons in words). */
  async open(from: string, to: string): Promise<Locator> {
    await this.cell(from, to).click();
    const detail = this.page.getByTestId('matrix-cell-detail');
    await expect(detail).toBeVisible();
    return detail;
  }

  /** From an open failing cell: the doctor for that pair, once it is done. */
  async diagnosePair(): Promise<Locator> {
    await this.page.getByTestId('matrix-pair-doctor').click();
    const run = this.page.getByTestId('pair-doctor').getByTestId('doctor-run');
    await expect(run).toHaveAttribute('data-state', 'done', { timeout: 40_000 });
    return run;
  }
}

/** The topology map: filters, the drawing, the selected node's actions. */
export class TopologyPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.getByTestId('nav-topology').click();
    await expect(this.map()).toBeVisible({ timeout: 30_000 });
  }

  map(): Locator {
    return this.page.getByTestId('topology-map');
  }

  node(kind: string, label: string): Locator {
    return this.map().locator(`[data-testid="topology-node"][data-kind="${kind}"][data-label="${label}"]`);
  }

  async filterProject(project: string): Promise<void> {
    await this.page.getByTestId('topology-project').selectOption(project);
  }

  async select(kind: string, label: string): Promise<Locator> {
    await this.node(kind, label).click();
    const selection = this.page.getByTestId('topology-selection');
    await expect(selection).toHaveAttribute('data-kind', kind);
    return selection;
  }
}
